namespace MssGateway.Trust;

/// <summary>
/// Why the trust engine refuses a certificate (DESIGN.md §3 "Verdicts and replies"), in the engine's own
/// vocabulary: the same values judge TLS clients, S/MIME signers and next hops. The host turns a refusal
/// into its SMTP reply (GatewayVerdicts); the stable labels (<see cref="TrustLabels"/>) are the
/// <c>reason</c> of <c>mssgw_client_certificate_checks_total</c> and of the trust log events.
/// </summary>
public enum CertificateRefusal
{
    /// <summary>No certificate was presented (<c>client_cert_missing</c>).</summary>
    Missing,

    /// <summary>No path to a trust anchor, or a path that breaks a constraint (<c>client_cert_untrusted</c>).</summary>
    Untrusted,

    /// <summary>The certificate or a CA above it is outside its validity period (<c>client_cert_expired</c>).</summary>
    Expired,

    /// <summary>The certificate or a CA above it is revoked (<c>client_cert_revoked</c>).</summary>
    Revoked,

    /// <summary>No usable revocation answer: CRL past nextUpdate + grace and no OCSP answer (<c>client_cert_revocation_unknown</c>).</summary>
    RevocationUnknown,

    /// <summary>Key usage, extended key usage or certificate policy not valid for this use (<c>client_cert_usage</c>).</summary>
    Usage,
}
