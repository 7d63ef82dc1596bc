namespace MssGateway.Trust;

/// <summary>
/// Configuration section <c>Gateway:Trust</c>: trust anchors, trusted list, revocation, key usages
/// and policies. docs/trust.md "Options" documents each key (a test keeps them in step).
/// </summary>
public sealed class TrustOptions
{
    public const string SectionName = "Gateway:Trust";

    /// <summary>
    /// Files or directories of CA certificates: PEM bundles (.pem/.crt/.cer), DER (.cer/.der/.crt) and
    /// PKCS#7 bundles (.p7b/.p7c), e.g. ANS's Chaine_de_certification-IGC-Sante.p7b. Self-signed
    /// certificates become trust anchors; the others are intermediates that must chain to an anchor.
    /// </summary>
    public List<string> AnchorPaths { get; set; } = [];

    /// <summary>
    /// Optional ETSI TS 119 612 trusted list: the CA certificates of its granted services become anchors.
    /// </summary>
    public TrustedListOptions TrustedList { get; set; } = new();

    /// <summary>Which CAs issue personal CPS cards, organisation and server certificates (the holder kind).</summary>
    public HolderKindOptions HolderKinds { get; set; } = new();

    /// <summary>Revocation checking (CRL and OCSP).</summary>
    public RevocationOptions Revocation { get; set; } = new();

    /// <summary>How often anchor files, the trusted list and configured CRL files are checked for changes. Default 1 minute.</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Extended key usages accepted for <see cref="CertificateUsage.ClientAuth"/> (any one suffices). Default id-kp-clientAuth.</summary>
    public List<string> ClientAuthExtendedKeyUsages { get; set; } = ["1.3.6.1.5.5.7.3.2"];

    /// <summary>Extended key usages accepted for <see cref="CertificateUsage.ServerAuth"/>. Default id-kp-serverAuth.</summary>
    public List<string> ServerAuthExtendedKeyUsages { get; set; } = ["1.3.6.1.5.5.7.3.1"];

    /// <summary>Extended key usages accepted for <see cref="CertificateUsage.EmailProtection"/>. Default id-kp-emailProtection.</summary>
    public List<string> EmailProtectionExtendedKeyUsages { get; set; } = ["1.3.6.1.5.5.7.3.4"];

    /// <summary>
    /// When true (default) an end certificate without an extended key usage extension is refused
    /// (IGC-Santé certificates all carry one); when false, a missing extension means "any usage" (RFC 5280).
    /// </summary>
    public bool RequireExtendedKeyUsage { get; set; } = true;

    /// <summary>
    /// Per listener name, the certificate policy OIDs accepted for end certificates (any one suffices);
    /// a listener absent from the map accepts any policy. Example: {"submission": ["1.2.250.1.71.4.2.1…"]}.
    /// </summary>
    public Dictionary<string, List<string>> PolicyOids { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long a verdict is reused for the same certificate and chain (0 disables the cache). Default 5 minutes; any CRL or anchor change empties it.</summary>
    public TimeSpan VerdictCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Maximum number of cached verdicts. Default 100,000.</summary>
    public int VerdictCacheSize { get; set; } = 100_000;

    /// <summary>
    /// Critical extensions accepted besides those the engine knows (key usages, basic constraints, SAN,
    /// policies…). RFC 5280 requires refusing a certificate with an unknown critical extension; list here
    /// the OIDs of a profile's private critical extensions once reviewed. Default none.
    /// </summary>
    public List<string> AcceptedCriticalExtensions { get; set; } = [];

    /// <summary>Maximum length of a certification path, anchor included. Default 6.</summary>
    public int MaxPathLength { get; set; } = 6;
}
