namespace MssGateway.Delivery;

/// <summary>
/// Where <see cref="QueueCommand"/> puts its record of every action that changes the queue (issue 17:
/// operator actions on record; the host writes them to the CLI's own journal instance). Each action is
/// recorded twice: its intent, on disk before the spool is touched (if that cannot be written the action
/// is not performed: "never lose a trace"), then its outcome, on disk before the operator is told.
/// </summary>
public interface IQueueActionJournal
{
    /// <summary>Records, durably, that <paramref name="action"/> is about to be performed.</summary>
    /// <exception cref="QueueActionNotRecordedException">The record could not be written: do not perform the action.</exception>
    Task IntentAsync(QueueAction action, CancellationToken cancellationToken);

    /// <summary>Records, durably, what <paramref name="action"/> did: <paramref name="outcome"/>, or null when it failed with <paramref name="failure"/>.</summary>
    /// <exception cref="QueueActionNotRecordedException">The record could not be written.</exception>
    Task OutcomeAsync(QueueAction action, QueueActionOutcome? outcome, string? failure, CancellationToken cancellationToken);
}
