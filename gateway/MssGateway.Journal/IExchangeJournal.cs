namespace MssGateway.Journal;

/// <summary>
/// Where the gateway puts its exchange records (issue 17 point 2). The host's accept path commits its
/// accept record with the message (<see cref="WithMessage"/>) before it answers 250; delivery, DSNs and deletions use
/// <see cref="Append"/> (on disk at the next flush: at the latest the next checkpoint interval).
/// </summary>
public interface IExchangeJournal
{
    /// <summary>Appends a record; durable at the next group flush.</summary>
    void Append(JournalRecord record);

    /// <summary>Appends a record and returns once it (and every record before it) is on disk.</summary>
    Task AppendDurableAsync(JournalRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// A record to be appended as part of a message's durable commit
    /// (<see cref="MssGateway.Spool.SpoolMessageWriter.CommitAsync(MssGateway.Spool.SpoolEnvelope, MssGateway.Spool.SpoolCommitCompanion?, CancellationToken)"/>):
    /// written just before the spool's barrier, and on disk when the commit returns — in the same
    /// syncfs as the message when the journal is on the spool's filesystem, by its own fsync otherwise.
    /// </summary>
    MssGateway.Spool.SpoolCommitCompanion WithMessage(JournalRecord record);
}
