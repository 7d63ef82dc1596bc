namespace MssGateway.Trust;

/// <summary>Freshness of one CRL source, for /readyz and the CRL gauges.</summary>
public sealed record CrlStatus
{
    /// <summary>URL or file path the CRL comes from.</summary>
    public required string Source { get; init; }

    /// <summary>CN of the CRL issuer (a CA name: bounded), or null when no CRL was ever obtained.</summary>
    public string? IssuerCa { get; init; }

    public DateTimeOffset? ThisUpdate { get; init; }

    public DateTimeOffset? NextUpdate { get; init; }

    /// <summary>True when the only CRL of this source is a delta CRL (used only with a complete CRL from another source).</summary>
    public bool IsDelta { get; init; }

    /// <summary>When the CRL was last downloaded or read successfully.</summary>
    public DateTimeOffset? LastSuccess { get; init; }

    /// <summary>Error of the last attempt, if it failed.</summary>
    public string? LastError { get; init; }

    /// <summary>True when the CRL is missing or past nextUpdate + grace: certificates it covers are refused.</summary>
    public required bool IsStale { get; init; }
}
