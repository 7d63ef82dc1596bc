using MssGateway.Smtp;

namespace MssGateway.Host;

/// <summary>
/// One row of <see cref="GatewayVerdicts"/>: a component's verdict, the SMTP reply the gateway gives for it
/// (code, RFC 3463 enhanced code, reason label, text), the log event that records it, and the metrics whose
/// <c>reason</c> label carries <see cref="Reply"/>'s reason.
/// </summary>
/// <param name="Verdict">A value of one of the verdict enums (<see cref="MssGateway.Trust.CertificateRefusal"/>, …).</param>
/// <param name="Reply">The reply sent; its <see cref="SmtpReply.Reason"/> is the reason label.</param>
/// <param name="LogEvent">The EventName of the gateway log event written for it.</param>
/// <param name="Metrics">The counters that count it by reason label.</param>
public sealed record GatewayVerdict(Enum Verdict, SmtpReply Reply, string LogEvent, IReadOnlyList<string> Metrics)
{
    /// <summary>The stable reason label (reply text, log field, metric label).</summary>
    public string Reason => Reply.Reason!;
}
