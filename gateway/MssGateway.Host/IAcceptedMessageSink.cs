namespace MssGateway.Host;

/// <summary>Told of each message made durable in incoming/ (wakes the delivery scheduler).</summary>
public interface IAcceptedMessageSink
{
    void Accepted(string queueId);
}
