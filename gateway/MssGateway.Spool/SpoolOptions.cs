namespace MssGateway.Spool;

/// <summary>Options of the on-disk spool (<c>Gateway:Spool</c>), validated at start-up by <see cref="SpoolOptionsValidator"/>.</summary>
public sealed class SpoolOptions
{
    public const string Section = "Gateway:Spool";

    /// <summary>Root directory of the spool; one per gateway instance (a volume per pod).</summary>
    public string Path { get; set; } = "/var/spool/mssgw";

    /// <summary>Free space under which the spool refuses new messages with 452 4.3.1 and /readyz turns false.</summary>
    public long MinimumFreeBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>How accepted content reaches the disk before the 250: <c>GroupCommit</c> (default) or <c>PerFile</c>.</summary>
    public SpoolSyncMode Sync { get; set; } = SpoolSyncMode.GroupCommit;

    /// <summary>
    /// Delivered messages' files (up to <see cref="MessageSpool.RecycledFileMaxBytes"/> each) kept in
    /// <c>recycled/</c> for the accept path to write new messages over, once their removal is durable; 0
    /// unlinks every delivered file. Saves the file system's inode allocation and release per message.
    /// </summary>
    public int RecycledFiles { get; set; } = 256;
}
