using MssGateway.Spool;

namespace MssGateway.Host;

/// <summary>Used when delivery is disabled: messages wait in incoming/.</summary>
public sealed class NullAcceptedMessageSink : IAcceptedMessageSink
{
    public void Accepted(string queueId, SpoolMessage? committed)
    {
    }
}
