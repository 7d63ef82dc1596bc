using System.Security.Cryptography;
using MssGateway.Delivery;
using MssGateway.Directory;
using MssGateway.Host.Logs;
using MssGateway.Journal;

namespace MssGateway.Host.Cli;

/// <summary>
/// The record of <c>mssgw queue retry|hold|release|delete</c> (issue 17, SC.MSS/CONF.17–18): the CLI is
/// another process and a chain has one writer, so it appends to its own journal instance,
/// <c>&lt;Gateway:InstanceName&gt;-cli</c> under the gateway's journal root, taking up that chain where its
/// last run left it (sequence, hash), under the instance's writer lock (a second run waits up to
/// <see cref="LockWait"/>, then exit 75). Each action is two <c>operator_&lt;verb&gt;</c> records, each fsync'd:
/// the intent (<c>result=requested</c>) before the spool is touched — if it cannot be written, nothing is
/// done (exit 74) — then the outcome (<c>done</c>, <c>already_done</c>, <c>busy</c>, <c>not_found</c>,
/// <c>not_applicable</c>, or <c>failed</c> with the reason) before the operator is told. A run ends with
/// a checkpoint signed by the gateway's key (<see cref="CloseAsync"/>). Opened at the first action only:
/// list, show, shape, a dry run and a refused argument write nothing.
/// </summary>
public sealed class QueueActionJournal : IQueueActionJournal, IDisposable
{
    /// <summary>How long a run waits for another run writing the same instance before it gives up (exit 75).</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    private readonly IConfiguration _configuration;
    private readonly AddressRedactor _redactor;
    private readonly OperatorIdentity _operator = OperatorIdentity.Current();
    private ExchangeJournal? _journal;

    private QueueActionJournal(IConfiguration configuration, string root, string instance, AddressRedactor redactor)
    {
        _configuration = configuration;
        Root = root;
        Instance = instance;
        _redactor = redactor;
    }

    /// <summary>The journal root (<c>Gateway:Journal:Path</c>, else <c>journal/</c> in the spool).</summary>
    public string Root { get; }

    /// <summary>The CLI's instance: <c>&lt;Gateway:InstanceName&gt;-cli</c> (default instance name: HOSTNAME).</summary>
    public string Instance { get; }

    /// <summary>The recorder of a queue CLI run, or null when <c>Gateway:Journal:Enabled</c> is off (then nothing is recorded, as before).</summary>
    public static QueueActionJournal? FromConfiguration(IConfiguration configuration, string spoolDirectory, AddressRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!configuration.GetValue<bool>(JournalOptions.Section + ":Enabled"))
        {
            return null;
        }

        var root = configuration[JournalOptions.Section + ":Path"] is { Length: > 0 } path ? path : Path.Combine(spoolDirectory, "journal");
        var gateway = configuration["Gateway:InstanceName"] is { Length: > 0 } name && !string.IsNullOrWhiteSpace(name) ? name.Trim() : InstanceName.Default;
        return new QueueActionJournal(configuration, root, ExchangeJournal.CliInstanceOf(gateway), redactor);
    }

    public async Task IntentAsync(QueueAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var journal = await OpenAsync(cancellationToken);
        await AppendAsync(journal, Record(action, "requested", null), "nothing was changed", cancellationToken);
    }

    public async Task OutcomeAsync(QueueAction action, QueueActionOutcome? outcome, string? failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var journal = await OpenAsync(cancellationToken);
        await AppendAsync(journal, Record(action, Label(outcome), failure), $"the {action.Verb} of {action.QueueId} was performed, its intent is on record, its outcome is not", cancellationToken);
    }

    /// <summary>Signs what this run wrote (a checkpoint, fsync'd) and releases the instance; the error to print, or null.</summary>
    public async Task<string?> CloseAsync()
    {
        if (_journal is not { } journal)
        {
            return null;
        }

        try
        {
            await journal.StopAsync(CancellationToken.None);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"the closing checkpoint of the journal '{journal.Directory}' could not be written ({ex.Message}): this run's records are on disk and chained, not yet signed (the next run signs them)";
        }
        finally
        {
            journal.Dispose();
            _journal = null;
        }
    }

    public void Dispose()
    {
        _journal?.Dispose();
        _journal = null;
    }

    private static string Label(QueueActionOutcome? outcome) => outcome switch
    {
        QueueActionOutcome.Done => "done",
        QueueActionOutcome.AlreadyDone => "already_done",
        QueueActionOutcome.Busy => "busy",
        QueueActionOutcome.NotFound => "not_found",
        QueueActionOutcome.NotApplicable => "not_applicable",
        _ => "failed",
    };

    private static JournalRecordKind KindOf(string verb) => verb switch
    {
        "retry" => JournalRecordKind.OperatorRetry,
        "hold" => JournalRecordKind.OperatorHold,
        "release" => JournalRecordKind.OperatorRelease,
        "delete" => JournalRecordKind.OperatorDelete,
        _ => throw new ArgumentOutOfRangeException(nameof(verb), verb, "not a verb that changes the queue"),
    };

    /// <summary>Queue id, state, request, result and reason, author, sender and recipients (rendered by the journal: hashed per Gateway:Logging:HashAddresses); never content.</summary>
    private JournalRecord Record(QueueAction action, string result, string? reason) => _operator.On(new JournalRecord
    {
        Kind = KindOf(action.Verb),
        QueueId = action.QueueId,
        QueueState = action.State?.ToString().ToLowerInvariant(),
        Request = action.Request,
        Result = result,
        Reason = reason,
        Sender = action.Envelope?.Sender,
        Recipients = action.Envelope is { } e ? [.. e.Recipients.Select(r => r.Address)] : null,
    });

    private async Task<ExchangeJournal> OpenAsync(CancellationToken cancellationToken)
    {
        if (_journal is not null)
        {
            return _journal;
        }

        JournalOptions options;
        try
        {
            options = _configuration.GetSection(JournalOptions.Section).Get<JournalOptions>() ?? new JournalOptions();
        }
        catch (InvalidOperationException ex)
        {
            throw new QueueActionNotRecordedException($"the journal is on ({JournalOptions.Section}:Enabled) but its configuration cannot be read ({ex.Message}); nothing was changed", QueueCommand.ExitUsage, ex);
        }

        var validation = new JournalOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new QueueActionNotRecordedException($"the journal is on ({JournalOptions.Section}:Enabled) but its configuration is wrong, so the action cannot be recorded and nothing was changed: {string.Join(" ", validation.Failures)}", QueueCommand.ExitUsage);
        }

        var journal = new ExchangeJournal(options, Root, Instance, _redactor);
        try
        {
            await journal.OpenAsync(LockWait, cancellationToken);
        }
        catch (JournalInUseException ex)
        {
            journal.Dispose();
            throw new QueueActionNotRecordedException(ex.Message + "; nothing was changed", QueueCommand.ExitBusy, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or InvalidDataException)
        {
            journal.Dispose();
            throw new QueueActionNotRecordedException(
                $"the journal is on and this action cannot be recorded, so nothing was changed: cannot write the CLI's journal '{journal.Directory}' ({ex.Message}). "
                + $"The journal root '{Root}' ({JournalOptions.Section}:Path, default <Gateway:Spool:Path>/journal) must be writable and {JournalOptions.Section}:SigningKeyFile readable by this user ({_operator.User}{(_operator.Uid is { } uid ? $", uid {uid}" : string.Empty)}): run mssgw queue as the gateway's user",
                QueueCommand.ExitNotJournaled,
                ex);
        }

        _journal = journal;
        return journal;
    }

    private static async Task AppendAsync(ExchangeJournal journal, JournalRecord record, string consequence, CancellationToken cancellationToken)
    {
        try
        {
            await journal.AppendDurableAsync(record, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new QueueActionNotRecordedException($"the journal '{journal.Directory}' could not record the action ({ex.Message}): {consequence}", QueueCommand.ExitNotJournaled, ex);
        }
    }
}
