namespace MssGateway.Trust;

/// <summary>What the trust engine can vouch for right now (for /readyz and dashboards).</summary>
public sealed record TrustStatus
{
    /// <summary>Number of trust anchors loaded (bundles and trusted list).</summary>
    public required int AnchorCount { get; init; }

    /// <summary>Number of configured intermediate CAs.</summary>
    public required int IntermediateCount { get; init; }

    /// <summary>When the anchors were last (re)loaded.</summary>
    public required DateTimeOffset AnchorsLoadedAt { get; init; }

    /// <summary>True when a trusted list is configured.</summary>
    public required bool TrustedListConfigured { get; init; }

    /// <summary>Number of CA certificates taken from the trusted list.</summary>
    public int TrustedListCertificateCount { get; init; }

    /// <summary>NextUpdate of the trusted list in use, null when none is in use.</summary>
    public DateTimeOffset? TrustedListNextUpdate { get; init; }

    /// <summary>Why the trusted list is not in use, when it is not.</summary>
    public string? TrustedListError { get; init; }

    /// <summary>Error of the last anchor reload, if it failed (the previous set stays in use).</summary>
    public string? AnchorError { get; init; }

    /// <summary>True when revocation checking is on.</summary>
    public required bool RevocationEnabled { get; init; }

    /// <summary>Every CRL source and its freshness.</summary>
    public required IReadOnlyList<CrlStatus> Crls { get; init; }

    /// <summary>Per CA (CN), the latest nextUpdate of its usable CRL.</summary>
    public required IReadOnlyDictionary<string, DateTimeOffset> CrlNextUpdateByCa { get; init; }

    /// <summary>True when some CRL is missing or past nextUpdate + grace, or the configured trusted list is not usable.</summary>
    public required bool IsStale { get; init; }

    /// <summary>Ready to accept connections: at least one anchor and nothing stale.</summary>
    public bool IsReady => AnchorCount > 0 && !IsStale;
}
