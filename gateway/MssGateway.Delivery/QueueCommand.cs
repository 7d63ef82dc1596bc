using System.Globalization;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// <c>mssgw queue &lt;verb&gt;</c>: inspect and steer the spool of a running gateway. It works on the
/// spool directory only, with the same atomic renames and state-file replacement as the scheduler,
/// and follows three rules so the two never fight: the scheduler never touches <c>hold/</c>; a
/// message in <c>active/</c> (being delivered) is never moved or deleted here (exit 75, try again);
/// and a message is claimed by a rename into <c>hold/</c> before it is deleted, so a delete cannot
/// race a delivery. Shows envelopes and delivery state, never bodies.
/// </summary>
public sealed class QueueCommand
{
    public const int ExitOk = 0;
    public const int ExitNotFound = 1;
    public const int ExitUsage = 2;
    public const int ExitBusy = 75; // EX_TEMPFAIL

    private const string Usage = """
        usage: mssgw queue <verb> [args]
          list [incoming|active|deferred|hold|corrupt|all]   messages with sender, recipients, attempts, next attempt
          show <queue-id>                                     envelope and per-recipient state (never the body)
          retry <queue-id>|--all                              deferred → incoming, now
          hold <queue-id>                                     incoming/deferred → hold (not delivered until released)
          release <queue-id>                                  hold → incoming
          delete <queue-id>                                   remove a message that is not being delivered
        """;

    private readonly MessageSpool _spool;
    private readonly TimeProvider _time;

    public QueueCommand(MessageSpool spool, TimeProvider? time = null)
    {
        _spool = spool;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Runs one verb; <paramref name="args"/> starts with the verb (without "queue").</summary>
    public async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (args.Length == 0)
        {
            await output.WriteLineAsync(Usage);
            return ExitUsage;
        }

        var verb = args[0].ToLowerInvariant();
        var arg = args.Length > 1 ? args[1] : null;
        return verb switch
        {
            "list" => await ListAsync(arg ?? "all", output),
            "show" when arg is not null => await ShowAsync(arg, output),
            "retry" when arg == "--all" => await RetryAllAsync(output, ct),
            "retry" when arg is not null => await RetryAsync(arg, output, ct),
            "hold" when arg is not null => await HoldAsync(arg, output, ct),
            "release" when arg is not null => await ReleaseAsync(arg, output, ct),
            "delete" when arg is not null => await DeleteAsync(arg, output),
            _ => await UsageAsync(output),
        };
    }

    private static async Task<int> UsageAsync(TextWriter output)
    {
        await output.WriteLineAsync(Usage);
        return ExitUsage;
    }

    private async Task<int> ListAsync(string which, TextWriter output)
    {
        SpoolState[] states;
        if (which == "all")
        {
            states = [SpoolState.Incoming, SpoolState.Active, SpoolState.Deferred, SpoolState.Hold, SpoolState.Corrupt];
        }
        else if (Enum.TryParse<SpoolState>(which, ignoreCase: true, out var one))
        {
            states = [one];
        }
        else
        {
            return await UsageAsync(output);
        }

        await output.WriteLineAsync("QUEUE-ID          STATE     AGE       SIZE  RCPT  ATTEMPTS  NEXT-ATTEMPT          SENDER");
        var now = _time.GetUtcNow();
        var total = 0;
        foreach (var state in states)
        {
            if (state == SpoolState.Corrupt)
            {
                foreach (var f in System.IO.Directory.EnumerateFiles(_spool.DirectoryOf(SpoolState.Corrupt)).Order(StringComparer.Ordinal))
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(f),-17} corrupt   -         {new FileInfo(f).Length,6}  -     -         -                     -"));
                    total++;
                }

                continue;
            }

            foreach (var id in _spool.List(state))
            {
                SpoolMessage message;
                try
                {
                    message = _spool.Open(state, id);
                }
                catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or IOException)
                {
                    continue; // moved or removed while listing
                }

                var s = _spool.ReadState(id);
                var next = s?.NextAttemptAt is { } n ? n.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";
                var sender = message.Envelope.Sender.Length == 0 ? "<>" : message.Envelope.Sender;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{id,-17} {state.ToString().ToLowerInvariant(),-9} {Age(now - message.Envelope.ReceivedAt),-8} {Size(message.ContentLength),6}  {message.Envelope.Recipients.Count,4}  {s?.Attempts ?? 0,8}  {next,-20}  {sender}"));
                total++;
            }
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"-- {total} message(s)"));
        return ExitOk;
    }

    private async Task<int> ShowAsync(string id, TextWriter output)
    {
        if (_spool.Locate(id) is not { } state)
        {
            return await NotFoundAsync(id, output);
        }

        SpoolMessage message;
        try
        {
            message = _spool.Open(state, id);
        }
        catch (FileNotFoundException)
        {
            // Moved between Locate and Open (the scheduler claimed it): look again.
            if (_spool.Locate(id) is not { } again)
            {
                return await NotFoundAsync(id, output);
            }

            state = again;
            message = _spool.Open(state, id);
        }

        var e = message.Envelope;
        var s = _spool.ReadState(id);
        var w = output;
        await w.WriteLineAsync($"queue-id:     {id}");
        await w.WriteLineAsync($"state:        {state.ToString().ToLowerInvariant()}{(s?.Held == true ? " (held)" : string.Empty)}");
        await w.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"received-at:  {e.ReceivedAt:o}"));
        await w.WriteLineAsync($"sender:       <{e.Sender}>");
        await w.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"size:         {message.ContentLength} octets"));
        await w.WriteLineAsync($"body:         {e.Body ?? "-"}{(e.SmtpUtf8 ? " SMTPUTF8" : string.Empty)}");
        await w.WriteLineAsync($"dsn:          RET={e.DsnReturn ?? "-"} ENVID={e.DsnEnvelopeId ?? "-"}");
        await w.WriteLineAsync($"client:       {e.ClientAddress ?? "-"} helo={e.HeloName ?? "-"} listener={e.ListenerName ?? "-"} tls={e.TlsProtocol ?? "-"}");
        await w.WriteLineAsync($"identity:     {e.ClientIdentity ?? "-"} cert={e.ClientCertificateSubject ?? "-"}");
        await w.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"attempts:     {s?.Attempts ?? 0} last={s?.LastAttemptAt?.ToString("o", CultureInfo.InvariantCulture) ?? "-"} next={s?.NextAttemptAt?.ToString("o", CultureInfo.InvariantCulture) ?? "-"}"));
        await w.WriteLineAsync("recipients:");
        foreach (var r in e.Recipients)
        {
            var rs = s?.Recipients.FirstOrDefault(x => x.Address == r.Address);
            await w.WriteLineAsync($"  <{r.Address}> {(rs?.Status ?? RecipientStatus.Pending).ToString().ToLowerInvariant()} notify={r.Notify ?? "-"} orcpt={r.OriginalRecipient ?? "-"}");
            if (rs?.LastReply is { } reply)
            {
                await w.WriteLineAsync($"      last: {reply} via {rs.LastHop ?? "-"}");
            }
        }

        return ExitOk;
    }

    private async Task<int> RetryAllAsync(TextWriter output, CancellationToken ct)
    {
        var moved = 0;
        foreach (var id in _spool.List(SpoolState.Deferred))
        {
            if (await RetryOneAsync(id, ct))
            {
                moved++;
            }
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{moved} message(s) queued for delivery now"));
        return ExitOk;
    }

    private async Task<int> RetryAsync(string id, TextWriter output, CancellationToken ct)
    {
        switch (_spool.Locate(id))
        {
            case null:
                return await NotFoundAsync(id, output);
            case SpoolState.Incoming:
                await output.WriteLineAsync($"{id}: already waiting for delivery");
                return ExitOk;
            case SpoolState.Active:
                return await BusyAsync(id, output);
            case SpoolState.Hold:
                await output.WriteLineAsync($"{id}: held; release it first (mssgw queue release {id})");
                return ExitUsage;
            case SpoolState.Deferred:
                if (await RetryOneAsync(id, ct))
                {
                    await output.WriteLineAsync($"{id}: queued for delivery now");
                    return ExitOk;
                }

                return await BusyAsync(id, output);
            default:
                await output.WriteLineAsync($"{id}: corrupt; inspect the file in corrupt/ by hand");
                return ExitUsage;
        }
    }

    /// <summary>Clears the next-attempt time, then renames deferred → incoming (the scheduler's incoming scan picks it up).</summary>
    private async Task<bool> RetryOneAsync(string id, CancellationToken ct)
    {
        if (_spool.ReadState(id) is { } s)
        {
            s.NextAttemptAt = null;
            await _spool.WriteStateAsync(s, ct);
        }

        return await _spool.MoveAsync(id, SpoolState.Deferred, SpoolState.Incoming);
    }

    private async Task<int> HoldAsync(string id, TextWriter output, CancellationToken ct)
    {
        var state = _spool.Locate(id);
        switch (state)
        {
            case null:
                return await NotFoundAsync(id, output);
            case SpoolState.Hold:
                await output.WriteLineAsync($"{id}: already held");
                return ExitOk;
            case SpoolState.Active:
                return await BusyAsync(id, output);
            case SpoolState.Incoming or SpoolState.Deferred:
                if (!await _spool.MoveAsync(id, state.Value, SpoolState.Hold))
                {
                    return await BusyAsync(id, output);
                }

                var s = _spool.ReadState(id) ?? new SpoolDeliveryState { QueueId = id };
                s.Held = true;
                await _spool.WriteStateAsync(s, ct);
                await output.WriteLineAsync($"{id}: held");
                return ExitOk;
            default:
                await output.WriteLineAsync($"{id}: corrupt; nothing to hold");
                return ExitUsage;
        }
    }

    private async Task<int> ReleaseAsync(string id, TextWriter output, CancellationToken ct)
    {
        if (_spool.Locate(id) != SpoolState.Hold)
        {
            await output.WriteLineAsync($"{id}: not held");
            return _spool.Locate(id) is null ? ExitNotFound : ExitUsage;
        }

        if (_spool.ReadState(id) is { } s)
        {
            s.Held = false;
            s.NextAttemptAt = null;
            await _spool.WriteStateAsync(s, ct);
        }

        if (!await _spool.MoveAsync(id, SpoolState.Hold, SpoolState.Incoming))
        {
            return await NotFoundAsync(id, output);
        }

        await output.WriteLineAsync($"{id}: released, queued for delivery now");
        return ExitOk;
    }

    private async Task<int> DeleteAsync(string id, TextWriter output)
    {
        var state = _spool.Locate(id);
        switch (state)
        {
            case null:
                return await NotFoundAsync(id, output);
            case SpoolState.Active:
                return await BusyAsync(id, output);
            case SpoolState.Incoming or SpoolState.Deferred:
                // Claim it first: once in hold/ the scheduler cannot start delivering it under our feet.
                if (!await _spool.MoveAsync(id, state.Value, SpoolState.Hold))
                {
                    return await BusyAsync(id, output);
                }

                break;
        }

        var from = state is SpoolState.Corrupt ? SpoolState.Corrupt : SpoolState.Hold;
        if (!await _spool.DeleteAsync(id, from))
        {
            return await NotFoundAsync(id, output);
        }

        await output.WriteLineAsync($"{id}: deleted (no DSN is sent)");
        return ExitOk;
    }

    private static async Task<int> NotFoundAsync(string id, TextWriter output)
    {
        await output.WriteLineAsync($"{id}: no such message in the queue");
        return ExitNotFound;
    }

    private static async Task<int> BusyAsync(string id, TextWriter output)
    {
        await output.WriteLineAsync($"{id}: being delivered right now; try again in a moment");
        return ExitBusy;
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
