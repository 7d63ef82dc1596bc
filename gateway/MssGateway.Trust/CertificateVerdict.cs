namespace MssGateway.Trust;

/// <summary>
/// The outcome of one certificate check: trusted or not, the stable reason label ("ok" when trusted),
/// the refusal in the trust engine's vocabulary, the holder's identity (also set for most refusals, for the log)
/// and a detail text for logs (never sent to the client).
/// </summary>
public sealed class CertificateVerdict
{
    private CertificateVerdict(bool trusted, string reason, CertificateRefusal? refusal, CertificateIdentity? identity, string detail, IReadOnlyList<string> chain, string detailCode, DateTimeOffset? validUntil)
    {
        DetailCode = detailCode;
        ValidUntil = validUntil;
        IsTrusted = trusted;
        Reason = reason;
        Refusal = refusal;
        Identity = identity;
        Detail = detail;
        Chain = chain;
    }

    public bool IsTrusted { get; }

    /// <summary>"ok" or the label of <see cref="Refusal"/> (<see cref="TrustLabels"/>).</summary>
    public string Reason { get; }

    /// <summary>Why the certificate is refused; null when trusted (the host maps it to its reply).</summary>
    public CertificateRefusal? Refusal { get; }

    /// <summary>The holder; null only when the certificate could not be read at all.</summary>
    public CertificateIdentity? Identity { get; }

    /// <summary>What was found, for logs.</summary>
    public string Detail { get; }

    /// <summary>Which check decided: a value of <see cref="CertificateCheckDetails.All"/> ("ok" when trusted).</summary>
    public string DetailCode { get; }

    /// <summary>Until when the revocation answers behind a trusted verdict hold (CRL nextUpdate + grace, OCSP nextUpdate); null when none applies.</summary>
    public DateTimeOffset? ValidUntil { get; }

    /// <summary>Subjects (RFC 2253) of the validated path, leaf first; empty when no path was built.</summary>
    public IReadOnlyList<string> Chain { get; }

    /// <summary>True when the verdict came from the verdict cache.</summary>
    public bool FromCache { get; private init; }

    internal static CertificateVerdict Trusted(CertificateIdentity identity, IReadOnlyList<string> chain, string detail, DateTimeOffset? validUntil = null) =>
        new(true, TrustLabels.Ok, null, identity, detail, chain, CertificateCheckDetails.Ok, validUntil);

    internal static CertificateVerdict Refused(CertificateRefusal refusal, CertificateIdentity? identity, string detail, string detailCode, IReadOnlyList<string>? chain = null) =>
        new(false, refusal.ToLabel(), refusal, identity, detail, chain ?? [], detailCode, null);

    internal CertificateVerdict AsCached() => new(IsTrusted, Reason, Refusal, Identity, Detail, Chain, DetailCode, ValidUntil) { FromCache = true };
}
