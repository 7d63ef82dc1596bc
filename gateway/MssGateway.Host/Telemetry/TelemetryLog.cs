using Microsoft.Extensions.Logging;

namespace MssGateway.Host.Telemetry;

/// <summary>Life-cycle log events (source-generated, structured).</summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(EventId = 50, Level = LogLevel.Information, EventName = "DrainStarted",
        Message = "draining: /readyz is now 503 and new sessions get 421; listeners close in {ReadinessDelayMs} ms, then sessions get {DrainTimeoutMs} ms to finish")]
    public static partial void DrainStarted(ILogger logger, long readinessDelayMs, long drainTimeoutMs);

    [LoggerMessage(EventId = 51, Level = LogLevel.Information, EventName = "Stopped",
        Message = "stopped")]
    public static partial void Stopped(ILogger logger);
}
