using MssGateway.Spool;

namespace MssGateway.Journal;

/// <summary>
/// An accept record committed with its message (issue 17: "a message whose accept record is not on
/// disk gets no 250"): the spool appends it just before the message's durable barrier, which covers the
/// journal file when it is on the spool's filesystem (the default, <c>journal/</c> in the spool); else
/// the journal's own group-committed fsync runs beside the message's.
/// </summary>
internal sealed class JournalCommitCompanion(ExchangeJournal journal, JournalRecord record) : SpoolCommitCompanion
{
    private int _written;

    public override string Directory => journal.Directory;

    public override void Write()
    {
        if (Interlocked.Exchange(ref _written, 1) != 0)
        {
            throw new InvalidOperationException("An accept record is appended once.");
        }

        journal.Append(record);
    }

    public override Task FlushAsync() => journal.FlushAsync();
}
