namespace MssGateway.Trust;

/// <summary>
/// Stable, bounded labels of the trust verdicts: the <c>reason</c> of the trust metrics and log events,
/// and the reason label of the replies the host builds from them (public: dashboards and alert rules
/// use them; docs/refusal-reasons.md). They live here because the trust engine counts its own checks.
/// </summary>
public static class TrustLabels
{
    /// <summary>The label of a trusted certificate.</summary>
    public const string Ok = "ok";

    public static string ToLabel(this CertificateRefusal refusal) => refusal switch
    {
        CertificateRefusal.Missing => "client_cert_missing",
        CertificateRefusal.Untrusted => "client_cert_untrusted",
        CertificateRefusal.Expired => "client_cert_expired",
        CertificateRefusal.Revoked => "client_cert_revoked",
        CertificateRefusal.RevocationUnknown => "client_cert_revocation_unknown",
        CertificateRefusal.Usage => "client_cert_usage",
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, null),
    };

    public static string ToLabel(this SenderRefusal refusal) => refusal switch
    {
        SenderRefusal.NotBound => "sender_not_bound",
        SenderRefusal.DomainNotAuthorised => "domain_not_authorised",
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, null),
    };

    /// <summary>Every value of the <c>reason</c> label of <c>mssgw_client_certificate_checks_total</c>.</summary>
    public static IReadOnlyList<string> CheckReasons { get; } = [Ok, .. Enum.GetValues<CertificateRefusal>().Select(r => r.ToLabel())];
}
