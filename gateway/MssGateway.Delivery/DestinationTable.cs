using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MssGateway.Delivery;

/// <summary>
/// Per-destination scheduling (issue 13 §2): the destinations, their queues and windows, and the
/// slots. A message is dispatched when its destination is under its window (times
/// <see cref="DeliveryOptions.PipelineDepth"/> once its peer pipelines) and the gateway under
/// <see cref="DeliveryOptions.MaxConcurrentDeliveries"/> slots. Fairness is max-min: each free slot goes
/// to the destination with work that holds the fewest slots (the least recently served among equals),
/// so a slow peer holds at most its own window while the others keep getting every slot it frees.
/// A pass that needs a slot of a second destination (a message for two operators) waits for it in that
/// destination's queue without holding any slot. All state behind one lock, held for microseconds.
/// </summary>
internal sealed class DestinationTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Destination> _destinations = new(StringComparer.Ordinal);
    private readonly HashSet<Destination> _candidates = [];
    private readonly Dictionary<Destination, long> _served = [];
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _sequence;
    private int _slots;
    private int _passes;

    public DestinationTable(IOptionsMonitor<DeliveryOptions> options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Called (outside the lock) whenever dispatching might make progress.</summary>
    public Action? Wake { get; set; }

    /// <summary>Slots held now (transactions in progress, all destinations).</summary>
    public int SlotsInUse
    {
        get
        {
            lock (_lock)
            {
                return _slots;
            }
        }
    }

    /// <summary>Each dead destination's key and the messages parked for it (the dead-destination and parked gauges, in all and per destination).</summary>
    public List<(string Destination, int Parked)> DeadDestinations()
    {
        lock (_lock)
        {
            var dead = new List<(string Destination, int Parked)>();
            foreach (var d in _destinations.Values)
            {
                if (d.IsDead)
                {
                    dead.Add((d.Key, d.Parked.Count));
                }
            }

            return dead;
        }
    }

    /// <summary>Messages waiting in the destinations' queues (not yet dispatched), parked ones included.</summary>
    public int Queued()
    {
        lock (_lock)
        {
            return _destinations.Values.Sum(d => d.Ready.Count + d.Parked.Count);
        }
    }

    public Destination Get(NextHop? hop)
    {
        var key = hop?.Key ?? Destination.LocalKey;
        lock (_lock)
        {
            if (!_destinations.TryGetValue(key, out var d))
            {
                _destinations[key] = d = new Destination(key, hop, _options.CurrentValue);
            }
            else if (hop is not null)
            {
                d.Hop = hop;
            }

            return d;
        }
    }

    public bool IsDead(Destination destination)
    {
        lock (_lock)
        {
            return destination.IsDead;
        }
    }

    /// <summary>
    /// Envelopes kept in the live destinations' queues, all destinations together (entries of
    /// <see cref="Destination.Ready"/> that still carry the envelope the accept path handed over, so their
    /// pass need not read it back): enough to cover a burst that outruns delivery for seconds — the
    /// accept rate can be twice the delivery rate, and a budget of 64 per destination had every message
    /// behind the 64th of a burst parse its envelope again — few enough that a backlog holds at most this
    /// many (some 2 KB each: 8 MB); a million queued messages cost their compact keys, not their envelopes.
    /// </summary>
    internal const int KnownEnvelopeBudget = 4096;

    private int _knownEnvelopes; // entries of the Ready queues that carry their envelope, under _lock

    /// <summary>Counts out of the budget an entry leaving a Ready queue (the caller holds the lock).</summary>
    private QueuedMessage Forget(QueuedMessage leaving)
    {
        if (leaving.Known is not null)
        {
            _knownEnvelopes--;
        }

        return leaving;
    }

    /// <summary>Envelopes the Ready queues hold now (tests: the budget).</summary>
    internal int KnownEnvelopes
    {
        get
        {
            lock (_lock)
            {
                return _knownEnvelopes;
            }
        }
    }

    /// <summary>Queues a message for a destination (parked when it is dead, then without its envelope).</summary>
    public void Enqueue(Destination destination, QueuedMessage message)
    {
        lock (_lock)
        {
            if (destination.IsDead)
            {
                destination.Parked.Enqueue(message.Forgotten);
            }
            else
            {
                var keep = message.Known is not null && _knownEnvelopes < KnownEnvelopeBudget;
                if (keep)
                {
                    _knownEnvelopes++;
                }

                destination.Ready.Enqueue(keep || message.Known is null ? message : message.Forgotten);
            }

            _candidates.Add(destination);
        }

        Wake?.Invoke();
    }

    /// <summary>
    /// The next message to start and its slot, or false when no destination may take one now. Passes
    /// waiting for a second destination are served first (they already hold a message in <c>active/</c>).
    /// </summary>
    public bool TryDispatch(out DestinationLease? lease, out QueuedMessage message)
    {
        var options = _options.CurrentValue;
        var now = _time.GetUtcNow();
        // Passes past their transaction (their delete or deferral waiting for a directory fsync) hold no slot;
        // letting many of them overlap is what lets one fsync cover many deletes. Bounded all the same.
        var maxPasses = options.MaxConcurrentDeliveries * 20;
        List<(TaskCompletionSource<DestinationLease> Waiter, DestinationLease Lease)>? granted = null;
        try
        {
            lock (_lock)
            {
                while (_slots < options.MaxConcurrentDeliveries)
                {
                    Destination? best = null;
                    var bestServed = long.MaxValue;
                    List<Destination>? idle = null;
                    foreach (var d in _candidates)
                    {
                        var hasMessage = d.IsDead ? d.ProbeDue(now) && d.Parked.Count + d.Ready.Count > 0 : d.Ready.Count > 0;
                        if (!d.HasWork && !(d.IsDead && d.Parked.Count > 0))
                        {
                            (idle ??= []).Add(d);
                            continue;
                        }

                        var limit = d.TransactionLimit(options.PipelineDepth);
                        var eligible = d.Waiters.Count > 0 ? d.Active < limit : hasMessage && _passes < maxPasses && d.Active < (d.IsDead ? 1 : limit);
                        if (!eligible)
                        {
                            continue;
                        }

                        var served = _served.GetValueOrDefault(d);
                        if (best is null || d.Active < best.Active || (d.Active == best.Active && served < bestServed))
                        {
                            best = d;
                            bestServed = served;
                        }
                    }

                    idle?.ForEach(d => _candidates.Remove(d));
                    if (best is null)
                    {
                        break;
                    }

                    _served[best] = ++_sequence;
                    if (best.Waiters.Count > 0)
                    {
                        best.Active++;
                        _slots++;
                        (granted ??= []).Add((best.Waiters.Dequeue(), new DestinationLease(this, best, probe: false)));
                        continue;
                    }

                    var probe = best.IsDead;
                    if (probe)
                    {
                        best.Probing = true;
                    }

                    message = probe && best.Parked.Count > 0 ? best.Parked.Dequeue() : Forget(best.Ready.Dequeue());
                    best.Active++;
                    _slots++;
                    _passes++;
                    lease = new DestinationLease(this, best, probe);
                    return true;
                }
            }

            lease = null;
            message = default;
            return false;
        }
        finally
        {
            // Outside the lock: a waiting pass resumes on its own continuation.
            granted?.ForEach(g =>
            {
                if (!g.Waiter.TrySetResult(g.Lease))
                {
                    g.Lease.Dispose(); // the pass gave up waiting (shutdown)
                }
            });
        }
    }

    /// <summary>A slot of another destination for a pass already under way; waits without holding any slot.</summary>
    public async ValueTask<DestinationLease> AcquireAsync(Destination destination, CancellationToken ct)
    {
        var waiter = new TaskCompletionSource<DestinationLease>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            var options = _options.CurrentValue;
            if (destination.IsDead || (destination.Waiters.Count == 0 && destination.Active < destination.TransactionLimit(options.PipelineDepth) && _slots < options.MaxConcurrentDeliveries))
            {
                // A dead destination: the slot is only for the pass to record the deferral, it opens no connection.
                destination.Active++;
                _slots++;
                return new DestinationLease(this, destination, probe: false);
            }

            destination.Waiters.Enqueue(waiter);
            _candidates.Add(destination);
        }

        Wake?.Invoke();
        using (ct.Register(() => waiter.TrySetCanceled(ct)))
        {
            return await waiter.Task;
        }
    }

    /// <summary>A dispatched message's pass is over (its slots are released separately).</summary>
    public void PassFinished()
    {
        lock (_lock)
        {
            _passes--;
        }

        Wake?.Invoke();
    }

    internal void Release(DestinationLease lease)
    {
        lock (_lock)
        {
            lease.Destination.Active--;
            _slots--;
            if (lease.Probe)
            {
                lease.Destination.Probing = false;
            }

            if (lease.Destination.HasWork || lease.Destination.IsDead)
            {
                _candidates.Add(lease.Destination);
            }
        }

        Wake?.Invoke();
    }

    /// <summary>Positive feedback; a dead destination that answers again gets its parked messages back in line.</summary>
    public void Succeeded(Destination destination)
    {
        int released;
        lock (_lock)
        {
            if (!destination.Succeeded(_options.CurrentValue))
            {
                return;
            }

            released = destination.Parked.Count;
            while (destination.Parked.TryDequeue(out var m))
            {
                destination.Ready.Enqueue(m);
            }

            _candidates.Add(destination);
        }

        DeliveryLog.DestinationRevived(_logger, destination.Key, released);
        Wake?.Invoke();
    }

    /// <summary>Negative feedback (a session could not be opened); after the failed-cohort limit the destination is dead.</summary>
    public void Failed(Destination destination, DeliveryReply reply)
    {
        var now = _time.GetUtcNow();
        int parked;
        TimeSpan retry;
        var waiters = new List<(TaskCompletionSource<DestinationLease> Waiter, DestinationLease Lease)>();
        lock (_lock)
        {
            if (!destination.Failed(reply, now, _options.CurrentValue))
            {
                return;
            }

            while (destination.Ready.TryDequeue(out var m))
            {
                destination.Parked.Enqueue(Forget(m).Forgotten);
            }

            // Passes waiting for a slot here get one at once: they will find the destination dead and defer.
            while (destination.Waiters.TryDequeue(out var w))
            {
                destination.Active++;
                _slots++;
                waiters.Add((w, new DestinationLease(this, destination, probe: false)));
            }

            parked = destination.Parked.Count;
            retry = destination.Backoff;
            _candidates.Add(destination);
        }

        waiters.ForEach(g =>
        {
            if (!g.Waiter.TrySetResult(g.Lease))
            {
                g.Lease.Dispose();
            }
        });

        DeliveryLog.DestinationDead(_logger, destination.Key, destination.ConsecutiveFailures, reply.Code, reply.EnhancedCode, (long)retry.TotalSeconds, parked);
    }

    /// <summary>
    /// Takes out of the dead destinations' queues the messages that must be looked at although their
    /// destination is down: those past <see cref="DeliveryOptions.MaxLifetime"/> (they fail, with a DSN)
    /// and those due for their delay warning. The acceptance time comes from the queue id, so this reads nothing.
    /// </summary>
    public List<QueuedMessage> TakeParkedDue(DateTimeOffset now)
    {
        var options = _options.CurrentValue;
        var due = new List<QueuedMessage>();
        lock (_lock)
        {
            foreach (var d in _destinations.Values)
            {
                if (d.Parked.Count == 0 || !AnyParkedDue(d.Parked, now, options))
                {
                    continue; // the usual case: a read-only look, no queue of a million entries rebuilt every 5 s
                }

                var keep = new Queue<QueuedMessage>(d.Parked.Count);
                while (d.Parked.TryDequeue(out var m))
                {
                    if (IsParkedDue(m, now, options))
                    {
                        due.Add(m);
                    }
                    else
                    {
                        keep.Enqueue(m);
                    }
                }

                while (keep.TryDequeue(out var m))
                {
                    d.Parked.Enqueue(m);
                }
            }
        }

        return due;
    }

    private static bool AnyParkedDue(Queue<QueuedMessage> parked, DateTimeOffset now, DeliveryOptions options)
    {
        foreach (var m in parked)
        {
            if (IsParkedDue(m, now, options))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsParkedDue(QueuedMessage m, DateTimeOffset now, DeliveryOptions options)
    {
        var age = now - m.Key.AcceptedAt;
        return age >= options.MaxLifetime || (options.DelayWarningAfter > TimeSpan.Zero && !m.DelayWarned && age >= options.DelayWarningAfter);
    }

    /// <summary>Every destination (for session sweeps and shutdown).</summary>
    public List<Destination> All()
    {
        lock (_lock)
        {
            return [.. _destinations.Values];
        }
    }
}
