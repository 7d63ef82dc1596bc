using System.Globalization;
using System.Text.RegularExpressions;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// <c>mssgw queue &lt;verb&gt;</c>: inspect and steer the spool of a running gateway. It works on the
/// spool directory only, with the same atomic renames and state-file replacement as the scheduler,
/// and follows three rules so the two never fight: the scheduler never touches <c>hold/</c>; a
/// message in <c>active/</c> (being delivered) is never moved or deleted here (exit 75, try again);
/// and a message is claimed by a rename into <c>hold/</c> before it is deleted, so a delete cannot
/// race a delivery. Shows envelopes and delivery state, never bodies. Verbs, filters and bulk
/// actions are those of Postfix's postqueue/postsuper/qshape where they have one
/// (<see cref="QueueVerb.All"/>).
/// </summary>
public sealed partial class QueueCommand
{
    public const int ExitOk = 0;
    public const int ExitNotFound = 1;
    public const int ExitUsage = 2;
    public const int ExitNotConfirmed = 3;
    public const int ExitNotJournaled = 74; // EX_IOERR: the journal could not record the action (not performed), or the spool failed it
    public const int ExitBusy = 75; // EX_TEMPFAIL

    private static readonly SpoolState[] Listed = [SpoolState.Incoming, SpoolState.Active, SpoolState.Deferred, SpoolState.Hold, SpoolState.Corrupt];
    private static readonly SpoolState[] Waiting = [SpoolState.Incoming, SpoolState.Active, SpoolState.Deferred, SpoolState.Hold];

    private readonly MessageSpool _spool;
    private readonly TimeProvider _time;
    private readonly Func<string, string>? _renderAddress;
    private readonly Func<string, string>? _renderText;
    private readonly IQueueActionJournal? _journal;

    /// <param name="spool">The spool of the gateway.</param>
    /// <param name="time">Clock for ages and filters (tests give a fake one).</param>
    /// <param name="renderAddress">How addresses are shown (null: as the spool holds them); the host passes its address hash when <c>Gateway:Logging:HashAddresses</c> is on.</param>
    /// <param name="renderText">How free text that may quote addresses (a next hop's reply) is shown; null: every address-looking word through <paramref name="renderAddress"/>.</param>
    /// <param name="journal">Where each action that changes the queue is recorded (intent, then outcome); null: not recorded (the journal is off).</param>
    public QueueCommand(MessageSpool spool, TimeProvider? time = null, Func<string, string>? renderAddress = null, Func<string, string>? renderText = null, IQueueActionJournal? journal = null)
    {
        _spool = spool;
        _time = time ?? TimeProvider.System;
        _renderAddress = renderAddress;
        _renderText = renderText;
        _journal = journal;
    }

    /// <summary>True when <paramref name="args"/> (starting with the verb) ask for help only: no verb, <c>help</c>, <c>--help</c>/<c>-h</c>.</summary>
    public static bool WantsHelp(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Count == 0 || args[0] is "help" or "--help" or "-h" || args.Skip(1).Any(a => a is "--help" or "-h");
    }

    /// <summary>Prints the help <paramref name="args"/> ask for (works without a spool); exit 0, or 2 when no verb was given.</summary>
    public static async Task<int> WriteHelpAsync(IReadOnlyList<string> args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var name = args.Count == 0 ? null : args[0] is "help" or "--help" or "-h" ? args.Skip(1).FirstOrDefault(a => !a.StartsWith('-')) : args[0];
        if (name is not null && QueueVerb.Find(name.ToLowerInvariant()) is { } verb)
        {
            await output.WriteLineAsync(verb.Help());
            return ExitOk;
        }

        if (name is not null && args[0] is not ("help" or "--help" or "-h"))
        {
            await output.WriteLineAsync($"mssgw queue: unknown verb '{name}'");
        }

        await output.WriteLineAsync(QueueVerb.Overview());
        return args.Count == 0 ? ExitUsage : ExitOk;
    }

    /// <summary>Runs one verb; <paramref name="args"/> starts with the verb (without "queue").</summary>
    public async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (WantsHelp(args))
        {
            return await WriteHelpAsync(args, output);
        }

        var a = QueueArguments.Parse(args);
        if (QueueVerb.Find(a.Verb) is not { } verb)
        {
            await output.WriteLineAsync($"mssgw queue: unknown verb '{args[0]}'");
            await output.WriteLineAsync(QueueVerb.Overview());
            return ExitUsage;
        }

        if (a.Error is not null)
        {
            return await UsageAsync(verb, a.Error, output);
        }

        var id = a.Positionals.Count > 0 ? a.Positionals[0] : null;
        switch (verb.Name)
        {
            case "list":
                return await ListAsync(a, output);
            case "shape":
                return await ShapeAsync(a, output);
            case "show" when id is not null && a.Positionals.Count == 1:
                return await ShowAsync(id, a.Json, output);
            case "show":
                return await UsageAsync(verb, "give one queue id", output);
        }

        if (id is not null)
        {
            if (a.Positionals.Count > 1 || a.All || a.Filter.IsSelective)
            {
                return await UsageAsync(verb, "give either one queue id or filters, not both", output);
            }

            return await RecordedAsync(verb.Name, output, () => OneAsync(verb.Name, id, output, ct));
        }

        if (!a.All && !a.Filter.IsSelective)
        {
            return await UsageAsync(verb, "give a queue id, filters (--state, --domain, --sender, --older-than) or --all", output);
        }

        return await RecordedAsync(verb.Name, output, () => BulkAsync(verb, a, "queue " + string.Join(' ', args), output, ct));
    }

    /// <summary>A verb that changes the queue: a journal that cannot record it, or a spool that fails it, is a precise message and an exit code, not a stack trace.</summary>
    private static async Task<int> RecordedAsync(string verb, TextWriter output, Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (QueueActionNotRecordedException ex)
        {
            await output.WriteLineAsync($"mssgw queue {verb}: {ex.Message}");
            return ex.ExitCode;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await output.WriteLineAsync($"mssgw queue {verb}: the spool failed the action ({ex.Message}); it is recorded as failed when the journal is on");
            return ExitNotJournaled;
        }
    }

    private static async Task<int> UsageAsync(QueueVerb verb, string problem, TextWriter output)
    {
        await output.WriteLineAsync($"mssgw queue {verb.Name}: {problem}");
        await output.WriteLineAsync($"usage: mssgw queue {verb.Name} {verb.Arguments}   (mssgw queue {verb.Name} --help)");
        return ExitUsage;
    }

    private string Address(string address) => address.Length == 0 ? "<>" : _renderAddress is null ? address : _renderAddress(address);

    /// <summary>Free text that may quote addresses (a next hop's reply): quoted addresses hashed too when hashing is on.</summary>
    private string Text(string text) =>
        _renderText is not null ? _renderText(text)
        : _renderAddress is null ? text
        : QuotedAddress().Replace(text, m => _renderAddress(m.Value));

    /// <summary>
    /// Text a client or a next hop chose, made safe for the operator's terminal: control characters
    /// (an ESC starting an ANSI sequence in a hostile peer's reply, a CR overwriting the line) are
    /// shown as <c>\xNN</c> instead of being interpreted. JSON output escapes them by itself.
    /// </summary>
    private static string Shown(string? text)
    {
        if (text is null)
        {
            return "-";
        }

        if (!text.Any(IsControl))
        {
            return text;
        }

        var b = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsControl(c))
            {
                b.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                b.Append(c);
            }
        }

        return b.ToString();
    }

    private static bool IsControl(char c) => c < ' ' || (c >= '\u007f' && c <= '\u009f');

    [GeneratedRegex("[^\\s<>()\\[\\]\"',;:]+@[^\\s<>()\\[\\]\"',;:]+", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedAddress();

    private async Task<int> ListAsync(QueueArguments a, TextWriter output)
    {
        if (a.Positionals.Count > 1)
        {
            return await UsageAsync(QueueVerb.Find("list")!, "give at most one state", output);
        }

        if (!StatesOf(a, Listed, out var states, out var problem))
        {
            return await UsageAsync(QueueVerb.Find("list")!, problem, output);
        }

        var now = _time.GetUtcNow();
        var total = 0;
        if (!a.Json)
        {
            await output.WriteLineAsync("QUEUE-ID          STATE     AGE       SIZE  RCPT  ATTEMPTS  NEXT-ATTEMPT          SENDER");
        }

        foreach (var state in states)
        {
            if (state == SpoolState.Corrupt)
            {
                if (a.Filter.RecipientDomain is not null || a.Filter.Sender is not null || a.Filter.OlderThan is not null || a.Json)
                {
                    continue; // a corrupt file has no readable envelope to filter on or to print as JSON
                }

                foreach (var f in System.IO.Directory.EnumerateFiles(_spool.DirectoryOf(SpoolState.Corrupt)).Order(StringComparer.Ordinal))
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(f),-17} corrupt   -         {new FileInfo(f).Length,6}  -     -         -                     -"));
                    total++;
                }

                continue;
            }

            foreach (var entry in QueueEntry.Read(_spool, [state], a.Filter, now))
            {
                await output.WriteLineAsync(a.Json ? QueueJson.Line(entry, Address, Text) : Line(entry, now));
                total++;
            }
        }

        if (!a.Json)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"-- {total} message(s)"));
        }

        return ExitOk;
    }

    private string Line(QueueEntry e, DateTimeOffset now)
    {
        var next = e.Delivery?.NextAttemptAt is { } n ? n.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";
        return string.Create(CultureInfo.InvariantCulture,
            $"{e.QueueId,-17} {e.State.ToString().ToLowerInvariant(),-9} {Age(e.Age(now)),-8} {Size(e.Size),6}  {e.Envelope.Recipients.Count,4}  {e.Delivery?.Attempts ?? 0,8}  {next,-20}  {Address(e.Envelope.Sender)}");
    }

    /// <summary>The states a verb scans: the positional state or <c>--state</c>, else <paramref name="defaults"/>.</summary>
    private static bool StatesOf(QueueArguments a, IReadOnlyList<SpoolState> defaults, out IReadOnlyList<SpoolState> states, out string problem)
    {
        problem = string.Empty;
        var chosen = new List<SpoolState>(a.Filter.States);
        if (a.Positionals.Count == 1 && a.Positionals[0] != "all")
        {
            if (QueueArguments.ParseState(a.Positionals[0]) is not { } s)
            {
                states = [];
                problem = $"'{a.Positionals[0]}' is not a queue state (incoming, active, deferred, hold, corrupt, all)";
                return false;
            }

            chosen.Add(s);
        }

        states = chosen.Count == 0 ? defaults : Listed.Where(chosen.Contains).ToArray();
        return true;
    }

    private async Task<int> ShapeAsync(QueueArguments a, TextWriter output)
    {
        if (a.Positionals.Count > 1)
        {
            return await UsageAsync(QueueVerb.Find("shape")!, "give at most one state", output);
        }

        if (!StatesOf(a, Waiting, out var states, out var problem))
        {
            return await UsageAsync(QueueVerb.Find("shape")!, problem, output);
        }

        var now = _time.GetUtcNow();
        var shape = new QueueShape(a.Buckets, a.BucketMinutes);
        shape.Add(QueueEntry.Read(_spool, states, a.Filter, now), now, a.BySender, a.Filter);
        await output.WriteLineAsync(shape.Render(a.Top));
        return ExitOk;
    }

    private async Task<int> ShowAsync(string id, bool json, TextWriter output)
    {
        var entry = Find(id);
        if (entry is null)
        {
            return await NotFoundAsync(id, output);
        }

        if (json)
        {
            await output.WriteLineAsync(QueueJson.Line(entry, Address, Text));
            return ExitOk;
        }

        var e = entry.Envelope;
        var s = entry.Delivery;
        var w = output;
        await w.WriteLineAsync($"queue-id:     {id}");
        await w.WriteLineAsync($"state:        {entry.State.ToString().ToLowerInvariant()}{(s?.Held == true ? " (held)" : string.Empty)}");
        await w.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"received-at:  {e.ReceivedAt:o}"));
        await w.WriteLineAsync($"sender:       <{(e.Sender.Length == 0 ? string.Empty : Address(e.Sender))}>");
        await w.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"size:         {entry.Size} octets"));
        await w.WriteLineAsync($"body:         {e.Body ?? "-"}{(e.SmtpUtf8 ? " SMTPUTF8" : string.Empty)}");
        await w.WriteLineAsync($"dsn:          RET={e.DsnReturn ?? "-"} ENVID={Shown(e.DsnEnvelopeId)}");
        await w.WriteLineAsync($"client:       {e.ClientAddress ?? "-"} helo={Shown(e.HeloName)} listener={e.ListenerName ?? "-"} tls={e.TlsProtocol ?? "-"}");
        await w.WriteLineAsync($"identity:     {Shown(e.ClientIdentity)} cert={Shown(e.ClientCertificateSubject)}");
        await w.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"attempts:     {s?.Attempts ?? 0} last={s?.LastAttemptAt?.ToString("o", CultureInfo.InvariantCulture) ?? "-"} next={s?.NextAttemptAt?.ToString("o", CultureInfo.InvariantCulture) ?? "-"}"));
        await w.WriteLineAsync("recipients:");
        foreach (var r in e.Recipients)
        {
            var rs = entry.RecipientState(r.Address);
            var orcpt = Shown(r.OriginalRecipient is null ? null : Text(r.OriginalRecipient));
            await w.WriteLineAsync($"  <{Address(r.Address)}> {(rs?.Status ?? RecipientStatus.Pending).ToString().ToLowerInvariant()} notify={r.Notify ?? "-"} orcpt={orcpt}");
            if (rs?.LastReply is { } reply)
            {
                await w.WriteLineAsync($"      last: {Shown(Text(reply))} via {Shown(rs.LastHop)}");
            }
        }

        return ExitOk;
    }

    /// <summary>The message with this id wherever it is now (looked up again if it moved between the lookup and the read).</summary>
    private QueueEntry? Find(string id)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (_spool.Locate(id) is not { } state || state == SpoolState.Corrupt)
            {
                return null;
            }

            try
            {
                var message = _spool.Open(state, id);
                return new QueueEntry(id, state, message.Envelope, message.ContentLength, _spool.ReadState(id));
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // Moved between Locate and Open (the scheduler claimed it): look again.
            }
        }

        return null;
    }

    private async Task<int> OneAsync(string verb, string id, TextWriter output, CancellationToken ct)
    {
        var state = _spool.Locate(id);
        var envelope = _journal is null || state is null or SpoolState.Corrupt ? null : Find(id)?.Envelope;
        var outcome = await ApplyRecordedAsync(new QueueAction(verb, id, state, envelope, $"queue {verb} {id}"), ct);
        await output.WriteLineAsync($"{id}: {Describe(verb, outcome, state)}");
        return outcome switch
        {
            QueueActionOutcome.Done or QueueActionOutcome.AlreadyDone => ExitOk,
            QueueActionOutcome.NotFound => ExitNotFound,
            QueueActionOutcome.Busy => ExitBusy,
            _ => ExitUsage,
        };
    }

    private static string Describe(string verb, QueueActionOutcome outcome, SpoolState? state) => (verb, outcome) switch
    {
        (_, QueueActionOutcome.NotFound) => "no such message in the queue",
        (_, QueueActionOutcome.Busy) => "being delivered right now; try again in a moment",
        ("retry", QueueActionOutcome.Done) => "queued for delivery now",
        ("retry", QueueActionOutcome.AlreadyDone) => "already waiting for delivery",
        ("retry", _) when state == SpoolState.Hold => "held; release it first (mssgw queue release <queue-id>)",
        ("hold", QueueActionOutcome.Done) => "held",
        ("hold", QueueActionOutcome.AlreadyDone) => "already held",
        ("release", QueueActionOutcome.Done) => "released, queued for delivery now",
        ("release", _) => "not held",
        ("delete", QueueActionOutcome.Done) => "deleted (no DSN is sent)",
        (_, _) when state == SpoolState.Corrupt => "corrupt; inspect the file in corrupt/ by hand",
        _ => $"cannot {verb} a message in {state?.ToString().ToLowerInvariant()}",
    };

    /// <summary>
    /// <see cref="ApplyAsync"/> on the record (issue 17): the intent is on disk before the spool is touched
    /// (if it cannot be written, nothing is done), the outcome — a failure included — before the operator hears of it.
    /// </summary>
    private async Task<QueueActionOutcome> ApplyRecordedAsync(QueueAction action, CancellationToken ct)
    {
        if (_journal is null)
        {
            return action.State is { } s ? await ApplyAsync(action.Verb, action.QueueId, s, ct) : QueueActionOutcome.NotFound;
        }

        await _journal.IntentAsync(action, ct);
        QueueActionOutcome outcome;
        try
        {
            outcome = action.State is { } state ? await ApplyAsync(action.Verb, action.QueueId, state, ct) : QueueActionOutcome.NotFound;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            await _journal.OutcomeAsync(action, null, ex.Message, CancellationToken.None);
            throw;
        }

        // Not cancellable: once the spool has changed, its record is written whatever the operator presses.
        await _journal.OutcomeAsync(action, outcome, null, CancellationToken.None);
        return outcome;
    }

    /// <summary>One verb on one message found in <paramref name="state"/>; the same code serves single and bulk actions.</summary>
    private async Task<QueueActionOutcome> ApplyAsync(string verb, string id, SpoolState state, CancellationToken ct)
    {
        if (state == SpoolState.Active)
        {
            return QueueActionOutcome.Busy;
        }

        switch (verb, state)
        {
            case ("retry", SpoolState.Incoming):
                return QueueActionOutcome.AlreadyDone;
            case ("retry", SpoolState.Deferred):
                // Clear the next-attempt time, then rename deferred → incoming (the scheduler's incoming scan picks it up).
                if (_spool.ReadState(id) is { } rs)
                {
                    rs.NextAttemptAt = null;
                    await _spool.WriteStateAsync(rs, ct);
                }

                return await _spool.MoveAsync(id, SpoolState.Deferred, SpoolState.Incoming) ? QueueActionOutcome.Done : Gone(id);
            case ("hold", SpoolState.Hold):
                return QueueActionOutcome.AlreadyDone;
            case ("hold", SpoolState.Incoming or SpoolState.Deferred):
                if (!await _spool.MoveAsync(id, state, SpoolState.Hold))
                {
                    return Gone(id);
                }

                var hs = _spool.ReadState(id) ?? new SpoolDeliveryState { QueueId = id };
                hs.Held = true;
                await _spool.WriteStateAsync(hs, ct);
                return QueueActionOutcome.Done;
            case ("release", SpoolState.Hold):
                if (_spool.ReadState(id) is { } released)
                {
                    released.Held = false;
                    released.NextAttemptAt = null;
                    await _spool.WriteStateAsync(released, ct);
                }

                return await _spool.MoveAsync(id, SpoolState.Hold, SpoolState.Incoming) ? QueueActionOutcome.Done : QueueActionOutcome.NotFound;
            case ("delete", SpoolState.Incoming or SpoolState.Deferred):
                // Claim it first: once in hold/ the scheduler cannot start delivering it under our feet.
                if (!await _spool.MoveAsync(id, state, SpoolState.Hold))
                {
                    return Gone(id);
                }

                return await _spool.DeleteAsync(id, SpoolState.Hold) ? QueueActionOutcome.Done : QueueActionOutcome.NotFound;
            case ("delete", SpoolState.Hold or SpoolState.Corrupt):
                return await _spool.DeleteAsync(id, state) ? QueueActionOutcome.Done : QueueActionOutcome.NotFound;
            default:
                return QueueActionOutcome.NotApplicable;
        }
    }

    /// <summary>A rename that found nothing: the scheduler took the message (busy) or it is gone.</summary>
    private QueueActionOutcome Gone(string id) => _spool.Locate(id) is null ? QueueActionOutcome.NotFound : QueueActionOutcome.Busy;

    /// <summary>The states a bulk verb acts on.</summary>
    private static SpoolState[] ApplicableStates(string verb) => verb switch
    {
        "retry" => [SpoolState.Deferred],
        "hold" => [SpoolState.Incoming, SpoolState.Deferred],
        "release" => [SpoolState.Hold],
        _ => [SpoolState.Incoming, SpoolState.Deferred, SpoolState.Hold],
    };

    private static string PastTense(string verb) => verb switch
    {
        "retry" => "queued for delivery now",
        "hold" => "held",
        "release" => "released",
        _ => "deleted (no DSN is sent)",
    };

    /// <summary>
    /// A verb over every message the filter selects. Without <c>--yes</c> it only prints what it
    /// would change (exit 3), like a dry run; messages being delivered are never touched, only
    /// reported (exit 75 once the rest is done, so a script can run it again).
    /// </summary>
    private async Task<int> BulkAsync(QueueVerb verb, QueueArguments a, string request, TextWriter output, CancellationToken ct)
    {
        var applicable = ApplicableStates(verb.Name);
        var wrong = a.Filter.States.Where(s => s != SpoolState.Active && !applicable.Contains(s)).ToList();
        if (wrong.Count > 0)
        {
            return await UsageAsync(verb, $"{verb.Name} applies to {string.Join(", ", applicable.Select(s => s.ToString().ToLowerInvariant()))} messages, not {string.Join(", ", wrong.Select(s => s.ToString().ToLowerInvariant()))}", output);
        }

        // Hold and delete report the matching messages being delivered right now (never touched: their next
        // state is the scheduler's); retry and release have nothing to do with them.
        var states = a.Filter.States.Count > 0 ? a.Filter.States
            : verb.Name is "hold" or "delete" ? [.. applicable, SpoolState.Active]
            : applicable;
        var now = _time.GetUtcNow();
        var entries = QueueEntry.Read(_spool, Listed.Where(states.Contains), a.Filter, now).ToList();
        var targets = entries.Where(e => e.State != SpoolState.Active).ToList();
        var busy = entries.Count - targets.Count;
        if (!a.Yes)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"would {verb.Name} {targets.Count} message(s):"));
            foreach (var e in targets)
            {
                await output.WriteLineAsync(Line(e, now));
            }

            if (busy > 0)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"({busy} more match but are being delivered right now: left alone)"));
            }

            if (targets.Count == 0)
            {
                await output.WriteLineAsync("-- nothing to do");
                return ExitOk;
            }

            await output.WriteLineAsync($"-- nothing changed: run again with --yes to {verb.Name} them");
            return ExitNotConfirmed;
        }

        var done = 0;
        foreach (var e in targets)
        {
            var outcome = await ApplyRecordedAsync(new QueueAction(verb.Name, e.QueueId, e.State, e.Envelope, request), ct);
            if (outcome == QueueActionOutcome.Done)
            {
                done++;
                await output.WriteLineAsync($"{e.QueueId}: {Describe(verb.Name, outcome, e.State)}");
            }
            else if (outcome == QueueActionOutcome.Busy)
            {
                busy++;
            }
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"-- {done} message(s) {PastTense(verb.Name)}")
            + (busy > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {busy} being delivered right now, left alone (run again in a moment)") : string.Empty));
        return busy > 0 ? ExitBusy : ExitOk;
    }

    private static async Task<int> NotFoundAsync(string id, TextWriter output)
    {
        await output.WriteLineAsync($"{id}: no such message in the queue");
        return ExitNotFound;
    }

    private static string Age(TimeSpan t) =>
        t.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalDays:0.0}d")
        : t.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalHours:0.0}h")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, t.TotalMinutes):0}m");

    private static string Size(long bytes) =>
        bytes >= 1 << 20 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0}M")
        : bytes >= 1 << 10 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0}K")
        : bytes.ToString(CultureInfo.InvariantCulture);
}
