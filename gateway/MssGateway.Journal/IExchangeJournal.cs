namespace MssGateway.Journal;

/// <summary>
/// Where the gateway puts its exchange records (issue 17 point 2). The host's accept path waits for
/// <see cref="AppendDurableAsync"/> before it answers 250; delivery, DSNs and deletions use
/// <see cref="Append"/> (on disk at the next flush: at the latest the next checkpoint interval).
/// </summary>
public interface IExchangeJournal
{
    /// <summary>Appends a record; durable at the next group flush.</summary>
    void Append(JournalRecord record);

    /// <summary>Appends a record and returns once it (and every record before it) is on disk.</summary>
    Task AppendDurableAsync(JournalRecord record, CancellationToken cancellationToken);
}
