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

/// <summary>Section <c>Gateway:Trust:TrustedList</c>.</summary>
public sealed class TrustedListOptions
{
    /// <summary>Path of the trusted-list XML file; empty disables the trusted list.</summary>
    public string? Path { get; set; }

    /// <summary>PEM or DER certificate of the list operator, whose key must have signed the list (required with <see cref="Path"/>).</summary>
    public string? SignerCertificateFile { get; set; }

    /// <summary>
    /// Service types whose certificates are taken (ServiceTypeIdentifier URIs). Default the CA types
    /// <c>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</c> and <c>…/CA/PKC</c>.
    /// </summary>
    public List<string> ServiceTypes { get; set; } =
    [
        "http://uri.etsi.org/TrstSvc/Svctype/CA/QC",
        "http://uri.etsi.org/TrstSvc/Svctype/CA/PKC",
    ];

    /// <summary>Service statuses taken as trusted. Default <c>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</c>.</summary>
    public List<string> GrantedStatuses { get; set; } = ["http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"];
}

/// <summary>Section <c>Gateway:Trust:Revocation</c>.</summary>
public sealed class RevocationOptions
{
    /// <summary>Check revocation of the end certificate and of its CAs. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Download CRLs from the HTTP distribution points named by validated certificates. Default true.</summary>
    public bool UseDistributionPoints { get; set; } = true;

    /// <summary>CRL files (PEM or DER) to load and watch; their issuer must be a known CA.</summary>
    public List<string> CrlFiles { get; set; } = [];

    /// <summary>CRL URLs (http/https) to download and refresh in addition to distribution points.</summary>
    public List<string> CrlUrls { get; set; } = [];

    /// <summary>Directory where downloaded CRLs are kept so a restart without network still works. Default "data/crl-cache".</summary>
    public string CacheDirectory { get; set; } = "data/crl-cache";

    /// <summary>
    /// How long after a CRL's nextUpdate it is still used when no newer one could be had; after that the
    /// status is unknown and certificates are refused (client_cert_revocation_unknown). Default 4 hours.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Download a new CRL this long before its nextUpdate. Default 6 hours.</summary>
    public TimeSpan RefreshAhead { get; set; } = TimeSpan.FromHours(6);

    /// <summary>A random delay in [0, this) added to each scheduled refresh so gateways do not all fetch at once. Default 1 hour.</summary>
    public TimeSpan RefreshJitter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Longest time between two downloads of the same CRL, whatever its nextUpdate. Default 24 hours.</summary>
    public TimeSpan MaxRefreshInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>First delay before retrying a failed download; doubles on each failure up to <see cref="MaxRetryInterval"/>. Default 2 minutes.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest delay between retries. Default 1 hour.</summary>
    public TimeSpan MaxRetryInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Timeout of one CRL or OCSP request. Default 15 seconds.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest CRL accepted, in bytes. Default 64 MiB.</summary>
    public long MaxCrlBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Ask the OCSP responder named in a certificate (AIA) when no usable CRL covers it. Default false
    /// (IGC-Santé CRLs are the reference; OCSP costs a round trip per certificate, cached until the
    /// response's nextUpdate).
    /// </summary>
    public bool UseOcsp { get; set; }
}
