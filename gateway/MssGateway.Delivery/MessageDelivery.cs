using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MssGateway.Directory;
using MssGateway.Journal;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// One pass over one queued message: claim it (rename to <c>active/</c>), route each pending
/// recipient, send one transaction per destination — the one whose slot the scheduler gave first, then
/// the others (waiting for their slot without holding one; a dead one defers its recipients without a
/// connection) — record each recipient's outcome in the spool's delivery state, queue the DSNs that
/// are due, then delete the message or defer it with backoff. The message is streamed from the spool,
/// never parsed as MIME. Order matters for crashes: DSNs are committed before the state that says they
/// were sent, and the state before the message leaves <c>active/</c>; a crash repeats work, never loses it.
/// </summary>
public sealed class MessageDelivery
{
    private readonly MessageSpool _spool;
    private readonly RecipientRouter _router;
    private readonly INextHopTransport _transport;
    private readonly DsnWriter _dsn;
    private readonly DestinationTable _destinations;
    private readonly DeliveryMetrics _metrics;
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MessageDelivery> _logger;
    private readonly AddressRedactor _redactor;
    private readonly IExchangeJournal? _journal;
    private readonly DeleteBarrier _deletes;

    internal MessageDelivery(MessageSpool spool, RecipientRouter router, INextHopTransport transport, DsnWriter dsn, DestinationTable destinations, DeliveryMetrics metrics, IOptionsMonitor<DeliveryOptions> options, TimeProvider time, ILogger<MessageDelivery> logger, AddressRedactor redactor, IExchangeJournal? journal = null)
    {
        _journal = journal;
        _redactor = redactor;
        _spool = spool;
        _router = router;
        _transport = transport;
        _dsn = dsn;
        _destinations = destinations;
        _metrics = metrics;
        _options = options;
        _time = time;
        _logger = logger;
        _deletes = new DeleteBarrier(spool, options, time, logger, journal);
    }

    /// <summary>The batched durability of the passes' deletes (<see cref="DeliveryOptions.DeleteSyncInterval"/>).</summary>
    internal DeleteBarrier Deletes => _deletes;

    /// <summary>Called with the queue id of each DSN queued, so the scheduler picks it up at once.</summary>
    public Action<string>? DsnQueued { get; set; }

    /// <summary>Runs one pass; <paramref name="primary"/> is the slot the scheduler dispatched it with (released as soon as its transaction is over).</summary>
    internal async Task<DeliveryAttemptResult> RunAsync(QueuedMessage queued, DestinationLease primary, CancellationToken ct)
    {
        using var slot = primary;
        var queueId = queued.Id;
        if (!_spool.Claim(queueId, queued.From))
        {
            // The queue CLI may have moved it meanwhile (retry: deferred → incoming); anywhere else is not ours.
            if (_spool.Locate(queueId) is not (SpoolState.Incoming or SpoolState.Deferred) || !_spool.Claim(queueId, _spool.Locate(queueId) ?? queued.From))
            {
                return DeliveryAttemptResult.Skipped;
            }
        }

        SpoolMessage message;
        try
        {
            // The envelope the classification read is reused when the file is still the one it read; either
            // way the file is opened once here, for every read of the pass.
            message = queued.Known is { } known ? _spool.Reopen(known, SpoolState.Active) : _spool.OpenHeld(SpoolState.Active, queueId);
        }
        catch (InvalidDataException ex)
        {
            DeliveryLog.Corrupt(_logger, queueId, ex.Message);
            await _spool.MoveAsync(queueId, SpoolState.Active, SpoolState.Corrupt);
            _journal?.Append(new JournalRecord { Kind = JournalRecordKind.Deletion, QueueId = queueId, Result = "corrupt", Detail = ex.Message });
            return DeliveryAttemptResult.Skipped;
        }

        using (message)
        {
            return await PassAsync(queueId, message, primary, ct);
        }
    }

    /// <summary>The pass over a claimed and opened message: its state, its transactions, its conclusion.</summary>
    private async Task<DeliveryAttemptResult> PassAsync(string queueId, SpoolMessage message, DestinationLease primary, CancellationToken ct)
    {
        var state = _spool.ReadState(queueId) ?? new SpoolDeliveryState { QueueId = queueId };
        foreach (var r in message.Envelope.Recipients)
        {
            if (!state.Recipients.Any(s => s.Address == r.Address))
            {
                state.Recipients.Add(new RecipientState { Address = r.Address, Status = RecipientStatus.Pending });
            }
        }

        try
        {
            return await DeliverAsync(message, state, primary, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: put it back in line untouched; the next start tries again.
            await _spool.MoveAsync(queueId, SpoolState.Active, SpoolState.Incoming);
            throw;
        }
        catch (DirectoryUnavailableException ex)
        {
            // Broken infrastructure, not a bug: the directory (Redis) did not answer while the message was routed.
            // Every pending recipient is deferred with its own reason, so the queue, the DSN and the logs say why.
            DeliveryLog.DirectoryUnavailable(_logger, queueId, ex.Message);
            _metrics.LocalDeferral(DeliveryFailure.DirectoryUnavailable);
            var reply = DeliveryFailures.Reply(DeliveryFailure.DirectoryUnavailable, "the directory could not be read to route the message");
            var pending = state.Recipients.Where(r => r.Status == RecipientStatus.Pending)
                .Select(r => new RecipientOutcome(r.Address, RecipientResult.Deferred, reply, "local")).ToList();
            Record(queueId, "local", state.Attempts + 1, pending, null);
            return await ConcludeAsync(message, state, pending, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug or a broken disk must not take the worker down nor leave the message in active/:
            // count the attempt and treat every pending recipient as deferred, so the message still
            // expires (with its DSN) instead of looping for ever.
            DeliveryLog.Crashed(_logger, ex, queueId);
            _metrics.LocalDeferral(DeliveryFailure.DeliveryError);
            var reply = DeliveryFailures.Reply(DeliveryFailure.DeliveryError, ex.GetType().Name);
            var pending = state.Recipients.Where(r => r.Status == RecipientStatus.Pending)
                .Select(r => new RecipientOutcome(r.Address, RecipientResult.Deferred, reply, "local")).ToList();
            return await ConcludeAsync(message, state, pending, CancellationToken.None);
        }
    }

    private async Task<DeliveryAttemptResult> DeliverAsync(SpoolMessage message, SpoolDeliveryState state, DestinationLease primary, CancellationToken ct)
    {
        var options = _options.CurrentValue;
        var envelope = message.Envelope;
        var queueId = envelope.QueueId;
        var pending = envelope.Recipients
            .DistinctBy(r => r.Address, StringComparer.Ordinal)
            .Where(r => state.Recipients.First(s => s.Address == r.Address).Status == RecipientStatus.Pending)
            .ToList();
        var attempt = state.Attempts + 1;
        var outcomes = new List<RecipientOutcome>();

        using (var content = OutboundContent.Open(message))
        {
            if (content.ReceivedFields > options.MaxReceivedHeaders)
            {
                var loop = DeliveryFailures.Reply(DeliveryFailure.MailLoop, $"{content.ReceivedFields} Received header fields, more than {options.MaxReceivedHeaders}");
                outcomes.AddRange(pending.Select(r => new RecipientOutcome(r.Address, RecipientResult.Failed, loop, "local")));
                Record(queueId, "local", attempt, outcomes, null);
            }
            else
            {
                var (groups, unroutable) = await RouteAsync(pending, ct);
                if (unroutable.Count > 0)
                {
                    outcomes.AddRange(unroutable);
                    Record(queueId, "local", attempt, unroutable, null);
                }

                // The group of the destination that gave this pass its slot goes first.
                var ordered = groups.Values.OrderBy(g => g.Hop.Key == primary.Destination.Key ? 0 : 1).ThenBy(g => g.Hop.Key, StringComparer.Ordinal).ToList();
                var left = ordered.Count;
                foreach (var (hop, recipients) in ordered)
                {
                    var destination = _destinations.Get(hop);
                    IReadOnlyList<RecipientOutcome> results;
                    if (destination != primary.Destination)
                    {
                        primary.Dispose(); // never hold a slot while waiting for another one
                    }

                    using (var lease = destination == primary.Destination ? primary : await _destinations.AcquireAsync(destination, ct))
                    {
                        if (_destinations.IsDead(destination) && !lease.Probe)
                        {
                            // Dead destination: no connection per message; the recipients wait with the reason it died.
                            var reply = destination.DeadReply ?? DeliveryFailures.Reply(DeliveryFailure.DestinationDead, "the next hop is not answering");
                            results = recipients.Select(r => new RecipientOutcome(r.Address, RecipientResult.Deferred, reply, destination.Key)).ToList();
                        }
                        else
                        {
                            var started = Stopwatch.GetTimestamp();
                            var result = await _transport.DeliverAsync(new NextHopDelivery(message, content, destination, hop, recipients), ct);
                            if (result.Feedback == NextHopFeedback.Success)
                            {
                                _destinations.Succeeded(destination);
                            }
                            else if (result.Feedback == NextHopFeedback.Failure)
                            {
                                _destinations.Failed(destination, result.Failure!);
                            }

                            results = result.Outcomes;
                            Record(queueId, results.Count > 0 ? results[0].Hop : hop.Key, attempt, results, Stopwatch.GetElapsedTime(started));
                        }
                    }

                    outcomes.AddRange(results);
                    if (--left > 0)
                    {
                        // More next hops to go: remember who already has it, so a crash does not resend to them.
                        // Failures are recorded only with their DSN, in ConcludeAsync (a crash must not lose the DSN).
                        Apply(state, results.Where(r => r.Result == RecipientResult.Delivered));
                        await _spool.WriteStateAsync(state, ct);
                    }
                }
            }
        }

        primary.Dispose();
        return await ConcludeAsync(message, state, outcomes, ct);
    }

    /// <summary>Groups the recipients by destination (the liste blanche is asked once per domain).</summary>
    private async Task<(Dictionary<string, (NextHop Hop, List<SpoolRecipient> Recipients)> Groups, List<RecipientOutcome> Unroutable)> RouteAsync(List<SpoolRecipient> pending, CancellationToken ct)
    {
        var groups = new Dictionary<string, (NextHop Hop, List<SpoolRecipient> Recipients)>(StringComparer.Ordinal);
        var unroutable = new List<RecipientOutcome>();
        var byDomain = new Dictionary<string, RecipientRoute>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in pending)
        {
            var domain = MssGateway.Directory.AddressKey.DomainOf(r.Address);
            if (!byDomain.TryGetValue(domain, out var route))
            {
                byDomain[domain] = route = await _router.RouteAsync(r.Address, ct);
            }

            if (route.Hop is { } hop)
            {
                if (!groups.TryGetValue(hop.Key, out var g))
                {
                    groups[hop.Key] = g = (hop, []);
                }

                g.Recipients.Add(r);
            }
            else
            {
                unroutable.Add(new RecipientOutcome(r.Address, RecipientResult.Failed, route.Failure!, "local"));
            }
        }

        return (groups, unroutable);
    }

    private async Task<DeliveryAttemptResult> ConcludeAsync(SpoolMessage message, SpoolDeliveryState state, List<RecipientOutcome> outcomes, CancellationToken ct)
    {
        var options = _options.CurrentValue;
        var envelope = message.Envelope;
        var now = _time.GetUtcNow();
        Apply(state, outcomes);
        state.Attempts++;
        state.LastAttemptAt = now;

        var byAddress = new Dictionary<string, SpoolRecipient>(StringComparer.Ordinal);
        foreach (var r in envelope.Recipients)
        {
            byAddress.TryAdd(r.Address, r); // the same RCPT given twice is one recipient
        }

        var failed = outcomes.Where(o => o.Result == RecipientResult.Failed)
            .Select(o => new DsnRecipient(byAddress[o.Address], o.Reply, o.Hop, o.FromRemote))
            .ToList();

        var expiresAt = envelope.ReceivedAt + options.MaxLifetime;
        var stillPending = state.Recipients.Where(s => s.Status == RecipientStatus.Pending).ToList();
        if (stillPending.Count > 0 && now >= expiresAt)
        {
            foreach (var s in stillPending)
            {
                var last = DeliveryReply.Parse(s.LastReply);
                var reply = new DeliveryReply(
                    last?.IsPermanent == false ? last.Code : 451,
                    last?.EnhancedCode.StartsWith('4') == true ? last.EnhancedCode : "4.4.7",
                    $"expired: undelivered after {options.MaxLifetime.TotalHours:0.#} hours" + (last is null ? string.Empty : "; last reply: " + last));
                s.Status = RecipientStatus.Failed;
                s.LastReply = reply.ToString();
                s.CompletedAt = now;
                failed.Add(new DsnRecipient(byAddress[s.Address], reply, s.LastHop, false));
            }

            stillPending.Clear();
        }

        if (failed.Count > 0)
        {
            Notify(await _dsn.QueueAsync(message, DsnKind.Failed, failed, null, ct));
        }

        var relayed = outcomes
            .Where(o => o.Result == RecipientResult.Delivered && !o.NextHopSupportsDsn && DsnWriter.Wants(byAddress[o.Address], DsnKind.Relayed))
            .Select(o => new DsnRecipient(byAddress[o.Address], o.Reply, o.Hop, true))
            .ToList();
        if (relayed.Count > 0)
        {
            Notify(await _dsn.QueueAsync(message, DsnKind.Relayed, relayed, null, ct));
        }

        if (stillPending.Count == 0)
        {
            // Unlinked now, made durable by the next delete barrier (with its state file and its journal record after it).
            await _deletes.DeleteAsync(envelope.QueueId, message.ContentLength, _journal is null ? null : new JournalRecord
            {
                Kind = JournalRecordKind.Deletion, QueueId = envelope.QueueId, Result = "done",
                Detail = $"delivered {state.Recipients.Count(s => s.Status == RecipientStatus.Delivered)}, failed {state.Recipients.Count(s => s.Status == RecipientStatus.Failed)}, attempts {state.Attempts}",
            });
            DeliveryLog.Done(_logger, envelope.QueueId, state.Recipients.Count(s => s.Status == RecipientStatus.Delivered), state.Recipients.Count(s => s.Status == RecipientStatus.Failed), state.Attempts);
            return DeliveryAttemptResult.Completed;
        }

        if (options.DelayWarningAfter > TimeSpan.Zero && now - envelope.ReceivedAt >= options.DelayWarningAfter)
        {
            var late = stillPending.Where(s => !s.DelayNotified).ToList();
            if (late.Count > 0)
            {
                var delayed = late.Select(s => new DsnRecipient(byAddress[s.Address], DeliveryReply.Parse(s.LastReply) ?? new DeliveryReply(451, "4.4.7", "delayed"), s.LastHop, false)).ToList();
                Notify(await _dsn.QueueAsync(message, DsnKind.Delayed, delayed, expiresAt, ct));
                late.ForEach(s => s.DelayNotified = true);
            }
        }

        var wait = options.RetryDelay(state.Attempts);
        wait += TimeSpan.FromTicks((long)(wait.Ticks * options.RetryJitter * Random.Shared.NextDouble()));
        var next = now + wait;
        if (next > expiresAt)
        {
            next = expiresAt; // the last attempt falls on the expiry, which then fails what is left
        }

        state.NextAttemptAt = next;
        await _spool.WriteStateAsync(state, ct);
        await _spool.DeferAsync(envelope.QueueId, next);
        DeliveryLog.Deferred(_logger, envelope.QueueId, stillPending.Count, next);
        return new DeliveryAttemptResult(DeliveryAttemptStatus.Deferred, next);
    }

    private void Notify(string? dsnQueueId)
    {
        if (dsnQueueId is not null)
        {
            DsnQueued?.Invoke(dsnQueueId);
        }
    }

    private void Apply(SpoolDeliveryState state, IEnumerable<RecipientOutcome> outcomes)
    {
        foreach (var o in outcomes)
        {
            var s = state.Recipients.First(r => r.Address == o.Address);
            s.LastReply = o.Reply.ToString();
            s.LastHop = o.Hop;
            if (o.Result != RecipientResult.Deferred)
            {
                s.Status = o.Result == RecipientResult.Delivered ? RecipientStatus.Delivered : RecipientStatus.Failed;
                s.CompletedAt = _time.GetUtcNow();
            }
        }
    }

    /// <summary>
    /// Metrics and the one log line per attempt. Result: delivered if all were, deferred if any waits,
    /// else failed. Local decisions (no route, loop) have no duration: they stay out of the histogram.
    /// </summary>
    private void Record(string queueId, string hop, int attempt, IReadOnlyList<RecipientOutcome> results, TimeSpan? duration)
    {
        if (results.Count == 0)
        {
            return;
        }

        var result = results.All(r => r.Result == RecipientResult.Delivered) ? "delivered"
            : results.Any(r => r.Result == RecipientResult.Deferred) ? "deferred"
            : "failed";
        var decisive = results.FirstOrDefault(r => r.Result != RecipientResult.Delivered) ?? results[0];

        // A remote reply quotes addresses ("550 5.1.1 <bob@x>: unknown"): hashed like every address in the logs.
        _metrics.Attempt(result, duration);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            // The redaction of the reply is work of its own: only when the event is written.
            DeliveryLog.Attempt(_logger, queueId, hop, result, results.Count, decisive.Reply.Code, decisive.Reply.EnhancedCode, attempt, (long)(duration?.TotalMilliseconds ?? 0), _redactor.RedactText(decisive.Reply.ToString())!);
        }

        _journal?.Append(new JournalRecord
        {
            Kind = JournalRecordKind.DeliveryAttempt, QueueId = queueId, NextHop = hop, Result = result, Attempt = attempt,
            Recipients = [.. results.Select(r => r.Address)], ReplyCode = decisive.Reply.Code, EnhancedCode = decisive.Reply.EnhancedCode,
            RemoteReply = decisive.Reply.ToString(),
        });
    }
}
