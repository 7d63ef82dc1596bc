namespace MssGateway.Spool;

/// <summary>
/// How an accepted message's content reaches the disk before the 250 (<c>Gateway:Spool:Sync</c>).
/// Both keep the promise "no 250 before the message is on disk"; they differ in how many flushes
/// the disk sees under load (docs/benchmarks.md "Fsync strategy").
/// </summary>
public enum SpoolSyncMode
{
    /// <summary>
    /// A message fsyncs its own file while a sync slot is free (two run at once); when both are busy,
    /// the messages finishing meanwhile share one <c>syncfs(2)</c> of the spool's filesystem. Made for
    /// a spool on its own volume (the Helm chart's per-pod PVC).
    /// </summary>
    GroupCommit,

    /// <summary>
    /// Always one <c>fsync(2)</c> per message file (what Postfix does). For a spool on a filesystem
    /// shared with heavy writers, where a <c>syncfs</c> would also wait for their data.
    /// </summary>
    PerFile,
}
