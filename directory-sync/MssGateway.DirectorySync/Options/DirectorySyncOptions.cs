using MssGateway.Directory.Redis;

namespace MssGateway.DirectorySync.Options;

/// <summary>Where the directory comes from.</summary>
public enum DirectorySource
{
    /// <summary>An LDAP directory (the national directory or an operator's own).</summary>
    Ldap,

    /// <summary>The ANS flat-file extraction Extraction_Correspondance_MSSante (text or ZIP).</summary>
    FlatFile,
}

/// <summary>Full: new generation. Incremental: changes since the last run. Auto: incremental unless a full sync is due.</summary>
public enum SyncMode
{
    Auto,
    Full,
    Incremental,
}

/// <summary>Root options of mssgw-directory-sync, section <c>DirectorySync</c> (docs/directory.md "Options").</summary>
public sealed class DirectorySyncOptions
{
    public const string SectionName = "DirectorySync";

    public DirectorySource Source { get; set; } = DirectorySource.Ldap;

    public SyncMode Mode { get; set; } = SyncMode.Auto;

    /// <summary>Service mode: time between two runs.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Auto mode: a full sync when the last one is older than this (incremental runs cannot be fully trusted forever).</summary>
    public TimeSpan FullSyncInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a replaced generation stays readable before it is removed (readers re-read the pointer in this time).</summary>
    public TimeSpan RetireDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for another sync that holds the lock.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Lease of the sync lock; renewed while the sync runs, so a killed sync frees it after this.</summary>
    public TimeSpan LockLease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Entries per pipelined Redis batch.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Hash buckets per index in a new generation (readers take the count from the pointer).</summary>
    public int Buckets { get; set; } = 1024;

    /// <summary>Refuse a full sync (or deletions) that would leave fewer than (1 - ratio) of the live mailboxes: a truncated source must not empty the directory. 1 accepts anything.</summary>
    public double MaxShrinkRatio { get; set; } = 0.5;

    /// <summary>Throttle on entries read per second (0 = none), to spare a shared source.</summary>
    public int MaxEntriesPerSecond { get; set; }

    public LdapSourceOptions Ldap { get; set; } = new();

    public FlatFileSourceOptions FlatFile { get; set; } = new();

    public AuthorisedDomainListOptions AuthorisedDomains { get; set; } = new();

    public RedisDirectoryOptions Redis { get; set; } = new();

    public HttpEndpointOptions Http { get; set; } = new();
}
