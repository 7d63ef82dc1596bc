namespace MssGateway.DirectorySync;

/// <summary>What one run did (no personal data: counts and identifiers of generations only).</summary>
public sealed record SyncRunResult
{
    public required string Mode { get; init; }

    public required string Source { get; init; }

    public required string Generation { get; init; }

    public long Mailboxes { get; init; }

    public long Read { get; init; }

    public long Duplicates { get; init; }

    public long Rejected { get; init; }

    public long Deleted { get; init; }

    public TimeSpan Duration { get; init; }

    public int? AuthorisedDomains { get; init; }

    /// <summary>Set when the authorised-domain list could not be refreshed (the last good one stays live).</summary>
    public DirectorySyncException? DomainListFailure { get; init; }
}
