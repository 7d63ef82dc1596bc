namespace MssGateway.Trust;

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

    /// <summary>Directory where downloaded CRLs are kept so a restart without network still works. Default /var/cache/mssgw/crl (a volume in the container image).</summary>
    public string CacheDirectory { get; set; } = "/var/cache/mssgw/crl";

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

    /// <summary>
    /// Send a random nonce in each OCSP request (RFC 8954); the response must echo it, else it is not
    /// used (a replayed response). Turn off only for a responder that serves pre-signed responses
    /// without nonces: then <see cref="OcspMaxAge"/> alone bounds a replay. Default true.
    /// </summary>
    public bool OcspNonce { get; set; } = true;

    /// <summary>Oldest thisUpdate of an OCSP response still used: older answers are stale (ocsp_stale). Default 1 day.</summary>
    public TimeSpan OcspMaxAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How far in the future an OCSP thisUpdate may be (the responder's clock ahead of ours). Default 5 minutes.</summary>
    public TimeSpan OcspClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an OCSP response without nextUpdate is reused. Responses with one are reused until it, never after. Default 5 minutes.</summary>
    public TimeSpan OcspDefaultValidity { get; set; } = TimeSpan.FromMinutes(5);
}
