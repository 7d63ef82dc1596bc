using Microsoft.Extensions.Logging;

namespace MssGateway.Smtp;

/// <summary>Engine log events (source-generated). Never message content: ids, addresses of peers, reasons.</summary>
internal static partial class SmtpLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Connection refused on {Listener} from {ClientIp}: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string listener, string? clientIp, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "TLS handshake failed on {Listener} from {ClientIp} (session {SessionId}): {Error}")]
    public static partial void TlsFailed(ILogger logger, string listener, string? clientIp, string sessionId, string error);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Session {SessionId} on {Listener} failed")]
    public static partial void SessionFailed(ILogger logger, Exception error, string listener, string sessionId);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Client {ClientIp} penalised for {PenaltySeconds} s after {Offences} offences (last on {Listener}: {EndReason} {LastReason}, {TransfersAbandoned} transfers abandoned)")]
    public static partial void ClientPenalised(ILogger logger, string? clientIp, int penaltySeconds, int offences, string listener, string endReason, string? lastReason, int transfersAbandoned);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "Connection refused on {Listener} from {ClientIp}: client_penalised (held {TarpitMs} ms)")]
    public static partial void PenalisedConnectionRefused(ILogger logger, string listener, string? clientIp, long tarpitMs);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "Session {SessionId}: work the product ran after its replies failed")]
    public static partial void AfterRepliesFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "Session {SessionId} refused {Command}: {Code} {EnhancedCode} {Reason}")]
    public static partial void Refused(ILogger logger, string sessionId, string command, int code, string? enhancedCode, string? reason);
}
