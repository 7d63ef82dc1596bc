namespace MssGateway.Trust;

/// <summary>
/// The finer cause of a certificate verdict, under its reason label (DESIGN.md §3 keeps the reasons;
/// this says which check refused): the <c>detail</c> label of <c>mssgw_certificate_refusals_total</c>
/// and a field of log event 3001. A bounded vocabulary, listed in docs/trust.md.
/// </summary>
public static class CertificateCheckDetails
{
    public const string Ok = "ok";

    // client_cert_missing
    public const string CertificateMissing = "certificate_missing";

    // client_cert_untrusted
    public const string Unreadable = "unreadable";
    public const string LegacyKeyAlgorithm = "legacy_key_algorithm";
    public const string NoPath = "no_path";
    public const string CriticalExtension = "critical_extension";
    public const string CaConstraints = "ca_constraints";
    public const string NameConstraints = "name_constraints";
    public const string NameFormUnsupported = "name_form_unsupported";
    public const string Policy = "policy";

    // client_cert_expired
    public const string Validity = "validity";

    // client_cert_usage
    public const string Usage = "usage";
    public const string PolicyNotAccepted = "policy_not_accepted";

    // client_cert_revoked
    public const string RevokedByCrl = "crl_revoked";
    public const string RevokedByOcsp = "ocsp_revoked";

    // client_cert_revocation_unknown
    public const string CrlMissing = "crl_missing";
    public const string CrlStale = "crl_stale";
    public const string CrlScope = "crl_scope";
    public const string CrlReasons = "crl_reasons";
    public const string CrlIssuerUsage = "crl_issuer_usage";
    public const string OcspUnavailable = "ocsp_unavailable";
    public const string OcspStale = "ocsp_stale";
    public const string OcspNonce = "ocsp_nonce";
    public const string OcspResponder = "ocsp_responder";
    public const string OcspResponderRevocation = "ocsp_responder_revocation";
    public const string OcspStatusUnknown = "ocsp_status_unknown";

    /// <summary>Every value, for documentation tests.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Ok, CertificateMissing, Unreadable, LegacyKeyAlgorithm, NoPath, CriticalExtension, CaConstraints, NameConstraints, NameFormUnsupported, Policy,
        Validity, Usage, PolicyNotAccepted, RevokedByCrl, RevokedByOcsp, CrlMissing, CrlStale, CrlScope, CrlReasons, CrlIssuerUsage,
        OcspUnavailable, OcspStale, OcspNonce, OcspResponder, OcspResponderRevocation, OcspStatusUnknown,
    ];
}
