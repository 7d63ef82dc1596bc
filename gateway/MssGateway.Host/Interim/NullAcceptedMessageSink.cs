namespace MssGateway.Host.Interim;

/// <summary>Until delivery is wired: messages wait in incoming/.</summary>
public sealed class NullAcceptedMessageSink : IAcceptedMessageSink
{
    public void Accepted(string queueId)
    {
    }
}
