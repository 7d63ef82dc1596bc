using MssGateway.Smtp;

namespace MssGateway.Host;

/// <summary>
/// The gateway's own refusals (DESIGN.md §3 "Verdicts and replies"), declared once: the reason label
/// is the same in the reply text, the log and the metric label. docs/smtp.md lists them.
/// </summary>
public static class GatewayReplies
{
    public static SmtpReply RecipientUnknown { get; } = new(550, "5.1.1", "recipient_unknown", "Recipient not listed in the MSSante directory");
    public static SmtpReply DomainNotAuthorised { get; } = new(550, "5.7.1", "domain_not_authorised", "Domain is not on the MSSante authorised-domain list");

    /// <summary>RCPT on a relay listener outside Gateway:Delivery:LocalDomains (issue 12 rule 2: no relaying between third parties).</summary>
    public static SmtpReply RelayDenied { get; } = new(550, "5.7.1", "relay_denied", "Relaying denied: this listener accepts mail for the gateway's own domains only");
    /// <summary>
    /// An address with a control or bidirectional formatting character (SMTPUTF8 lets C1 controls through the
    /// syntax): it would reach DSNs and the operator's terminal raw (issue 12 rule 8).
    /// </summary>
    public static SmtpReply UnsafeAddress { get; } = new(553, "5.1.3", "address_unsafe_characters", "Control or bidirectional formatting character in address");

    public static SmtpReply SpoolFull { get; } = new(452, "4.3.1", "insufficient_storage", "Insufficient system storage, try again later");
    public static SmtpReply DirectoryUnavailable { get; } = new(451, "4.4.3", "directory_unavailable", "Directory temporarily unavailable, try again later");
    public static SmtpReply Draining { get; } = new(421, "4.3.2", "shutting_down", "Service shutting down, try again later");

    public static SmtpReply Queued(string queueId) => new(250, "2.0.0", null, $"Ok: queued as {queueId}");

    public static IReadOnlyList<SmtpReply> All { get; } =
    [
        RecipientUnknown, DomainNotAuthorised, RelayDenied, UnsafeAddress, SpoolFull, DirectoryUnavailable, Draining,
        MssGateway.Trust.TrustReasons.SenderNotBound, MssGateway.Policy.PolicyReplies.HeaderFromNotBound,
    ];
}
