namespace MssGateway.Spool;

/// <summary>
/// A write that must be on disk whenever the message it goes with is (issue 17: the exchange journal's
/// accept record — "a message whose accept record is not on disk gets no 250"). The spool writes it
/// just before the message's durable barrier and lets that one barrier cover both: under
/// <see cref="SpoolSyncMode.GroupCommit"/> on Linux, when the companion's directory is on the spool's
/// filesystem, the barrier is a syncfs(2) of that filesystem (shared by every accept of the batch),
/// which writes back the companion's file with the message's. Otherwise (<see cref="SpoolSyncMode.PerFile"/>,
/// another filesystem) the companion's own <see cref="FlushAsync"/> runs beside the message's fsync,
/// and the commit waits for both.
/// </summary>
public abstract class SpoolCommitCompanion
{
    /// <summary>The directory the companion's file is in: whether the spool's syncfs covers it depends on its filesystem.</summary>
    public abstract string Directory { get; }

    /// <summary>Writes what must become durable (into the page cache); called once, before the barrier starts.</summary>
    public abstract void Write();

    /// <summary>Makes what <see cref="Write"/> wrote durable on its own, for a barrier that does not cover it.</summary>
    public abstract Task FlushAsync();
}
