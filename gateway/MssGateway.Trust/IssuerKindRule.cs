namespace MssGateway.Trust;

/// <summary>
/// One entry of <see cref="HolderKindOptions.Issuers"/>: certificates issued by the CA named
/// <see cref="Issuer"/> — in a path that ends at the anchor named <see cref="Anchor"/>, when set — are
/// of <see cref="Kind"/>. DNs are compared semantically (<see cref="DistinguishedName.SemanticEquals"/>).
/// </summary>
public sealed class IssuerKindRule
{
    /// <summary>Subject DN of the issuing CA (RFC 2253 text), e.g. <c>CN=AC IGC-SANTE FORT PERSONNES,OU=IGC-SANTE,OU=0002 187512751,O=ASIP-SANTE,C=FR</c>.</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>
    /// Subject DN of the trust anchor the path must end at (optional). Set it: a CA that another trusted
    /// root (a trusted list, a private CA) certified under the same name then does not count.
    /// </summary>
    public string? Anchor { get; set; }

    /// <summary><c>PersonalCps</c>, <c>Organisation</c> (organisation or server certificates: server when it names a host) or <c>Server</c>.</summary>
    public CertificateKind Kind { get; set; }
}
