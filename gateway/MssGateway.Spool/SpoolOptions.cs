namespace MssGateway.Spool;

/// <summary>Options of the on-disk spool (<c>Gateway:Spool</c>).</summary>
public sealed class SpoolOptions
{
    /// <summary>Root directory of the spool; one per gateway instance (a volume per pod).</summary>
    public string Path { get; set; } = "/var/spool/mssgw";

    /// <summary>Free space under which the spool refuses new messages with 452 4.3.1 and /readyz turns false.</summary>
    public long MinimumFreeBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>How accepted content reaches the disk before the 250: <c>GroupCommit</c> (default) or <c>PerFile</c>.</summary>
    public SpoolSyncMode Sync { get; set; } = SpoolSyncMode.GroupCommit;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new InvalidOperationException("Gateway:Spool:Path is empty: set it to a writable directory (e.g. /var/spool/mssgw).");
        }

        if (MinimumFreeBytes < 0)
        {
            throw new InvalidOperationException("Gateway:Spool:MinimumFreeBytes must be zero or positive.");
        }
    }
}
