namespace MssGateway.Delivery;

/// <summary>
/// The journal could not record a queue action (<see cref="IQueueActionJournal"/>): the message says why
/// and what to do, <see cref="ExitCode"/> is what <c>mssgw queue</c> exits with.
/// </summary>
public sealed class QueueActionNotRecordedException : Exception
{
    public QueueActionNotRecordedException()
    {
    }

    public QueueActionNotRecordedException(string message)
        : base(message)
    {
    }

    public QueueActionNotRecordedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public QueueActionNotRecordedException(string message, int exitCode, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; } = QueueCommand.ExitNotJournaled;
}
