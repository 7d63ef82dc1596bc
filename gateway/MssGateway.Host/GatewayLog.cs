using Microsoft.Extensions.Logging;

namespace MssGateway.Host;

/// <summary>Gateway log events (source-generated, structured). Never a body, subject or attachment name.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, EventName = "SessionEnd",
        Message = "session {SessionId} listener={Listener} client={ClientIp} tls={TlsVersion} cipher={TlsCipher} cert={CertificateSubject} serial={CertificateSerial} identity={Identity} accepted={MessagesAccepted} refused={MessagesRefused} end={EndReason} last_refusal={LastRefusalReason} last_reply={LastReplyCode} duration_ms={DurationMs}")]
    public static partial void SessionEnded(ILogger logger, string sessionId, string listener, string? clientIp, string tlsVersion, string? tlsCipher, string? certificateSubject, string? certificateSerial, string? identity, int messagesAccepted, int messagesRefused, string endReason, string? lastRefusalReason, int? lastReplyCode, long durationMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, EventName = "MessageAccepted",
        Message = "accepted {QueueId} session={SessionId} from={Sender} rcpts={RecipientCount} size={Size} smime={SmimeVerdict}")]
    public static partial void MessageAccepted(ILogger logger, string queueId, string sessionId, string sender, int recipientCount, long size, string? smimeVerdict);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, EventName = "MessageRefused",
        Message = "refused message session={SessionId} from={Sender} rcpts={RecipientCount} size={Size} reason={Reason} reply={ReplyCode} {EnhancedCode}")]
    public static partial void MessageRefused(ILogger logger, string sessionId, string sender, int recipientCount, long size, string? reason, int replyCode, string? enhancedCode);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, EventName = "EnvelopeRefused",
        Message = "refused {Stage} session={SessionId} address={Address} reason={Reason} cert={CertificateSubject}")]
    public static partial void EnvelopeRefused(ILogger logger, string stage, string sessionId, string address, string? reason, string? certificateSubject);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, EventName = "CertificateRefused",
        Message = "client certificate refused session={SessionId} listener={Listener} client={ClientIp} subject={CertificateSubject} serial={CertificateSerial} reason={Reason}")]
    public static partial void CertificateRefused(ILogger logger, string sessionId, string listener, string? clientIp, string? certificateSubject, string? certificateSerial, string? reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, EventName = "SpoolRecovered",
        Message = "spool recovered: {Messages} messages, {Requeued} requeued from active, {TempRemoved} unacknowledged temp files removed, {Corrupt} set aside as corrupt")]
    public static partial void SpoolRecovered(ILogger logger, int messages, int requeued, int tempRemoved, int corrupt);

    [LoggerMessage(EventId = 17, Level = LogLevel.Error, EventName = "SpoolKeyMissing",
        Message = "spool: {Count} sealed messages name a key that is not loaded (loaded: {LoadedKeys}); they stay untouched and are set aside when opened: put the key file back in Gateway:Spool:Encryption:PreviousKeyFiles")]
    public static partial void SpoolKeyMissing(ILogger logger, int count, string loadedKeys);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, EventName = "SpoolWriteFailed",
        Message = "spool write failed session={SessionId}")]
    public static partial void SpoolWriteFailed(ILogger logger, Exception error, string sessionId);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, EventName = "SenderBindingViolation",
        Message = "sender not bound session={SessionId} listener={Listener} stage={Stage} mode={Mode} reason={Reason} address={Address} cert={CertificateSubject}: {Detail}")]
    public static partial void SenderBindingViolation(ILogger logger, string sessionId, string listener, string stage, string mode, string reason, string? address, string? certificateSubject, string detail);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, EventName = "RelayWithoutLocalDomains",
        Message = "listener {Listener} is a relay listener but Gateway:Delivery:LocalDomains is empty: every RCPT on it is refused with 550 5.7.1 relay_denied")]
    public static partial void RelayWithoutLocalDomains(ILogger logger, string listener);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, EventName = "EphemeralHashKey",
        Message = "Gateway:Logging:HashAddresses is on without Gateway:Logging:HashKeyFile: addresses are hashed with a random key drawn at this start, so hashes do not correlate across restarts or pods; set HashKeyFile to a shared secret of at least 32 octets")]
    public static partial void EphemeralHashKey(ILogger logger);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, EventName = "MallocArenasUnbounded",
        Message = "MALLOC_ARENA_MAX is not set: glibc may make 8 malloc arenas per core, and the TLS handshakes' native memory grows into all of them; start the gateway with MALLOC_ARENA_MAX=2 as the image, the chart and ./run.sh do (docs/configuration.md, Runtime settings)")]
    public static partial void MallocArenasUnbounded(ILogger logger);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, EventName = "Started",
        Message = "gateway {ServerName} listening: {Listeners}; HTTP on {HttpEndpoint}")]
    public static partial void Started(ILogger logger, string serverName, string listeners, string httpEndpoint);
}
