namespace MssGateway.Journal;

/// <summary>
/// Options of the exchange journal (<c>Gateway:Journal</c>, docs/security.md "Data at rest and the
/// exchange journal"): one append-only file set per gateway instance, hash-chained, with checkpoints
/// signed by <see cref="SigningKeyFile"/>.
/// </summary>
public sealed class JournalOptions
{
    public const string Section = "Gateway:Journal";

    /// <summary>Record every accept, refusal after DATA, delivery attempt, DSN and deletion.</summary>
    public bool Enabled { get; set; }

    /// <summary>Directory of the journals; each instance (pod) writes under its own sub-directory. Default: <c>journal/</c> in the spool (the same volume).</summary>
    public string? Path { get; set; }

    /// <summary>ECDSA P-256 private key (PKCS#8 PEM) that signs the checkpoints: <c>openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256</c>.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>A signed checkpoint after this many records.</summary>
    public int CheckpointEveryRecords { get; set; } = 1000;

    /// <summary>A signed checkpoint at least this often while records arrive (also how often records not yet on disk are flushed at the latest).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A new file once the current one is this large.</summary>
    public long RotateAfterBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>A new file once the current one is this old.</summary>
    public TimeSpan RotateAfter { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Files whose last record is older are deleted (a retention record says so). Default 6 months (183 days), the retention ANS recommends for MSSanté traces.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(183);
}
