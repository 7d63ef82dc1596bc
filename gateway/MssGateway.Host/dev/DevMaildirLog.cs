namespace MssGateway.Host.Dev;

/// <summary>Log events of the dev maildir receiver (dev mode only).</summary>
internal static partial class DevMaildirLog
{
    [LoggerMessage(EventId = 60, Level = LogLevel.Information, EventName = "DevMaildirDelivered",
        Message = "dev maildir: message for {Recipient} written to {File}")]
    public static partial void Delivered(ILogger logger, string recipient, string file);

    [LoggerMessage(EventId = 61, Level = LogLevel.Information, EventName = "DevMaildirListening",
        Message = "dev mode: mail for {Domains} is delivered to the maildir {Maildir} (receiver on {Endpoint})")]
    public static partial void Listening(ILogger logger, string domains, string maildir, string endpoint);
}
