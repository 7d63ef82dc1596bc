using MssGateway.Spool;

namespace MssGateway.Host;

/// <summary>Told of each message made durable in incoming/ (wakes the delivery scheduler).</summary>
public interface IAcceptedMessageSink
{
    /// <summary>
    /// <paramref name="committed"/> is the message as written (<see cref="SpoolMessageWriter.Committed"/>, null for a
    /// sealed file): delivery classifies it without reading the file back.
    /// </summary>
    void Accepted(string queueId, SpoolMessage? committed);
}
