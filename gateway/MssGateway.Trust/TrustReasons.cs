using MssGateway.Smtp;

namespace MssGateway.Trust;

/// <summary>
/// The verdicts of the trust engine and sender binding as data (DESIGN.md §3 "Verdicts and replies"):
/// reason label, SMTP reply, metric label. Every client-certificate refusal uses 535 5.7.8
/// (RFC 4954 §6 "authentication credentials invalid": the certificate is the client's credential);
/// sender binding refusals use 550 5.7.1 (RFC 3463 "delivery not authorized"). docs/trust.md lists them.
/// </summary>
public static class TrustReasons
{
    public const string Ok = "ok";

    public static SmtpReply ClientCertificateMissing => SmtpReplies.ClientCertificateMissing;

    public static SmtpReply Untrusted { get; } = new(535, "5.7.8", "client_cert_untrusted", "Client certificate not trusted");

    public static SmtpReply Expired { get; } = new(535, "5.7.8", "client_cert_expired", "Client certificate outside its validity period");

    public static SmtpReply Revoked { get; } = new(535, "5.7.8", "client_cert_revoked", "Client certificate revoked");

    public static SmtpReply RevocationUnknown { get; } = new(535, "5.7.8", "client_cert_revocation_unknown", "Client certificate revocation status unknown");

    public static SmtpReply Usage { get; } = new(535, "5.7.8", "client_cert_usage", "Client certificate not valid for this use");

    public static SmtpReply SenderNotBound { get; } = new(550, "5.7.1", "sender_not_bound", "Sender address not bound to the client certificate");

    public static SmtpReply DomainNotAuthorised { get; } = new(550, "5.7.1", "domain_not_authorised", "Sender domain not on the MSSanté authorised-domain list");

    /// <summary>Every refusal the trust component gives, for documentation and tests.</summary>
    public static IReadOnlyList<SmtpReply> All { get; } =
    [
        ClientCertificateMissing, Untrusted, Expired, Revoked, RevocationUnknown, Usage, SenderNotBound, DomainNotAuthorised,
    ];

    /// <summary>Every value of the <c>reason</c> label of <c>mssgw_client_certificate_checks_total</c>.</summary>
    public static IReadOnlyList<string> CheckReasons { get; } =
    [
        Ok, ClientCertificateMissing.Reason!, Untrusted.Reason!, Expired.Reason!, Revoked.Reason!, RevocationUnknown.Reason!, Usage.Reason!,
    ];
}
