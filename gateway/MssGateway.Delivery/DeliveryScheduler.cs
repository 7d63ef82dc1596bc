using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// The queue manager (issue 13). The spool is its only durable state; in memory it keeps one compact
/// entry per message it knows (<see cref="QueueKey"/>: 16 bytes, no string per message), so a national
/// backlog of a million messages costs tens of megabytes. Sources of work: the accept path's
/// <see cref="Notify"/> (at once), the deferred timetable (due times read at start from the files'
/// modification times, no state file read), the queue CLI's signal (retry, release: within a second),
/// and a safety-net scan of <c>incoming/</c> every <see cref="DeliveryOptions.PollInterval"/>. Each
/// message is classified (its envelope read and routed, never its MIME body) into its destination's
/// queue; the <see cref="DestinationTable"/> dispatches them under per-destination windows with slow
/// start, parks those of dead destinations without a connection each, and shares the slots fairly.
/// Start-up does its scans in the background: the host is ready at once, delivery starts as the scan
/// lists messages. It never touches <c>hold/</c> or <c>corrupt/</c>; every move is a rename that fails
/// harmlessly when the queue CLI moved the message first.
/// </summary>
public sealed class DeliveryScheduler : BackgroundService, IDeliveryScheduler
{
    private const int Classifiers = 4;

    private readonly MessageSpool _spool;
    private readonly MessageDelivery _delivery;
    private readonly RecipientRouter _router;
    private readonly DestinationTable _destinations;
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly ClientCertificateSource _clientCertificate;
    private readonly TimeProvider _time;
    private readonly ILogger<DeliveryScheduler> _logger;

    // Fresh messages (the accept path, DSNs) go before the backlog (scans, due retries), four to one.
    private readonly Channel<Intake> _fresh = Channel.CreateUnbounded<Intake>();
    private readonly Channel<Intake> _backlog = Channel.CreateUnbounded<Intake>();

    // Every message the scheduler knows, and where: waiting to be classified, queued at a destination,
    // being delivered, or deferred until a time (then also in the timetable).
    private readonly Lock _lock = new();
    private readonly Dictionary<QueueKey, Tracked> _tracked = [];
    private readonly PriorityQueue<QueueKey, long> _timetable = new();
    private readonly HashSet<Task> _passes = [];
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _deferred;

    // Set once the classifiers run: from then on a message handed over by the accept path is classified on
    // the caller's thread when its routing needs no wait (no hop through the intake and a classifier).
    private CancellationToken _running;
    private volatile bool _classifyInline;

    // Set while the scheduler runs: whoever makes work dispatchable (a message queued, a slot released, a pass
    // finished) starts the passes it allows on its own thread, instead of waking the dispatcher's loop for it
    // (a thread-pool hand-off and a context switch per message). Never nested: a pass started here that
    // releases a slot before its first wait wakes the loop instead (no recursion, however many skip at once).
    [ThreadStatic]
    private static bool t_dispatching;
    private volatile bool _dispatchInline;

    internal DeliveryScheduler(MessageSpool spool, MessageDelivery delivery, RecipientRouter router, DestinationTable destinations, DeliveryMetrics metrics, IOptionsMonitor<DeliveryOptions> options, ClientCertificateSource clientCertificate, TimeProvider time, ILogger<DeliveryScheduler> logger)
    {
        _spool = spool;
        _delivery = delivery;
        _router = router;
        _destinations = destinations;
        _options = options;
        _clientCertificate = clientCertificate;
        _time = time;
        _logger = logger;
        _delivery.DsnQueued = Notify;
        _destinations.Wake = Signal;
        metrics.ObserveDestinations(destinations.DeadDestinations);
    }

    private enum Where : byte
    {
        Intake,
        Queued,
        Delivering,
        Deferred,
    }

    /// <summary>Messages known and not waiting for a retry time: being classified, queued at a destination (parked included) or delivered.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _tracked.Count - _deferred;
            }
        }
    }

    /// <summary>Messages waiting for their retry time in the timetable.</summary>
    public int DeferredKnown
    {
        get
        {
            lock (_lock)
            {
                return _deferred;
            }
        }
    }

    /// <summary>Completes when the start-up scans are done: every queued message is known (the benchmark's "ready").</summary>
    public Task Ready => _ready.Task;

    public void Notify(string queueId)
    {
        if (QueueId.TryToKey(queueId, out var key))
        {
            Track(key, SpoolState.Incoming, fresh: true);
        }
    }

    /// <summary>
    /// A message the accept path has just committed, with its envelope: classified without reading the file
    /// (only a file in clear, <see cref="SpoolMessage.Reusable"/>: anything else is <see cref="Notify(string)"/>).
    /// Once the scheduler runs, the classification happens here, on the caller's thread, up to the first
    /// wait of its routing (none for the gateway's own domains; a liste blanche lookup in Redis may wait),
    /// and the rest continues in the background: the caller is never held by I/O, and never sees an exception.
    /// </summary>
    public void Notify(SpoolMessage accepted)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        var id = accepted.Envelope.QueueId;
        if (!accepted.Reusable || !QueueId.TryToKey(id, out var key) || !string.Equals(accepted.Path, _spool.PathOf(SpoolState.Incoming, id), StringComparison.Ordinal))
        {
            Notify(id); // not a hand-off this spool can check (sealed, another spool, a name that is no queue id): read from disk
            return;
        }

        if (!_classifyInline)
        {
            Track(key, SpoolState.Incoming, fresh: true, accepted);
            return;
        }

        if (!Track(key, SpoolState.Incoming, fresh: true, known: accepted, queue: false))
        {
            return;
        }

        // Runs here up to its first wait; if routing waits (the directory), it finishes on its own (errors are logged there).
        _ = ClassifyGuardedAsync(new Intake(key, SpoolState.Incoming, accepted), _running);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var sessions = new List<OutboundSession>();
        foreach (var d in _destinations.All())
        {
            d.Sessions.TakeAll(sessions);
        }

        await Task.WhenAll(sessions.Select(s => s.QuitAsync(CancellationToken.None)));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // the host's start must not wait for a scan of a large spool
        if (_clientCertificate.Current is null)
        {
            DeliveryLog.NoClientCertificate(_logger);
        }

        // Only the scheduler puts files in active/, so anything there is an interrupted delivery (the host's
        // MessageSpool.Recover() has usually done this already). Before any pass starts: a pass claims into active/.
        var started = Stopwatch.GetTimestamp();
        var requeued = 0;
        foreach (var id in _spool.List(SpoolState.Active))
        {
            if (await _spool.MoveAsync(id, SpoolState.Active, SpoolState.Incoming))
            {
                requeued++;
            }
        }

        var classifiers = Enumerable.Range(0, Classifiers).Select(_ => ClassifyLoopAsync(stoppingToken)).ToList();
        _running = stoppingToken;
        _classifyInline = true;
        _dispatchInline = true;
        var dispatcher = DispatchLoopAsync(stoppingToken);
        try
        {
            StartScan(started, requeued, stoppingToken);
            await HousekeepingLoopAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            _ready.TrySetResult();
        }

        _classifyInline = false;
        _dispatchInline = false;
        _fresh.Writer.TryComplete();
        _backlog.Writer.TryComplete();
        Signal();
        await Task.WhenAll(classifiers);
        await dispatcher;
        Task[] passes;
        lock (_lock)
        {
            passes = [.. _passes];
        }

        await Task.WhenAll(passes);
        await _delivery.Deletes.FlushAsync(); // the last deletes durable before the host stops
    }

    private void StartScan(long started, int requeued, CancellationToken ct)
    {
        var deferred = ScanDeferred();
        var incoming = ScanIncoming();
        ct.ThrowIfCancellationRequested();
        _ready.TrySetResult();
        DeliveryLog.Started(_logger, requeued, incoming, deferred, _options.CurrentValue.MaxConcurrentDeliveries, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>Timetable, queue CLI signal, safety-net scans, parked messages due for expiry or a delay warning, idle sessions.</summary>
    private async Task HousekeepingLoopAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var nextIncomingScan = now + _options.CurrentValue.PollInterval;
        var nextDeferredScan = now + _options.CurrentValue.DeferredScanInterval;
        var nextParkedSweep = now;
        var signal = _spool.IncomingSignal;
        var sweep = Task.CompletedTask;
        while (!ct.IsCancellationRequested)
        {
            var options = _options.CurrentValue;
            now = _time.GetUtcNow();
            var wait = TimeSpan.FromSeconds(1);
            try
            {
                wait = ReleaseDue(now, wait);
                var latest = _spool.IncomingSignal;
                if (latest != signal)
                {
                    signal = latest;
                    ScanIncoming();
                }

                if (now >= nextIncomingScan)
                {
                    nextIncomingScan = now + Adaptive(options.PollInterval, ScanIncoming);
                }

                if (now >= nextDeferredScan)
                {
                    nextDeferredScan = now + Adaptive(options.DeferredScanInterval, () => ScanDeferred());
                }

                if (now >= nextParkedSweep)
                {
                    nextParkedSweep = now + TimeSpan.FromSeconds(5); // a loop over the parked keys: ~10 ms for a million
                    var local = _destinations.Get(null);
                    foreach (var m in _destinations.TakeParkedDue(now))
                    {
                        _destinations.Enqueue(local, m); // expired or due for a delay warning: a pass that contacts nobody
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The spool volume hiccuped: keep the scheduler alive and look again at the next tick.
                DeliveryLog.ScanFailed(_logger, ex);
            }

            if (sweep.IsCompleted)
            {
                // Closing idle connections (QUIT, up to 5 s each with a slow peer) must not hold up the timetable.
                sweep = SweepSessionsAsync(now, options);
            }

            Signal(); // probes of dead destinations come due with time
            await Task.Delay(wait, _time, ct);
        }
    }

    private async Task SweepSessionsAsync(DateTimeOffset now, DeliveryOptions options)
    {
        foreach (var d in _destinations.All())
        {
            if (d.Sessions.IdleCount > 0)
            {
                await SmtpDeliveryClient.SweepAsync(d, now, options);
            }
        }
    }

    /// <summary>Runs a scan and returns when the next may start: its interval, or fifty times its duration for a very large directory.</summary>
    private static TimeSpan Adaptive(TimeSpan interval, Func<int> scan)
    {
        var started = Stopwatch.GetTimestamp();
        scan();
        var took = Stopwatch.GetElapsedTime(started);
        return took * 50 > interval ? took * 50 : interval;
    }

    private int ScanIncoming()
    {
        var seen = 0;
        foreach (var key in _spool.EnumerateKeys(SpoolState.Incoming))
        {
            seen++;
            Track(key, SpoolState.Incoming, fresh: false);
        }

        return seen;
    }

    private int ScanDeferred()
    {
        var added = 0;
        foreach (var (key, due) in _spool.EnumerateDeferred())
        {
            lock (_lock)
            {
                if (_tracked.ContainsKey(key))
                {
                    continue;
                }

                _tracked[key] = new Tracked(Where.Deferred, due.UtcTicks);
                _timetable.Enqueue(key, due.UtcTicks);
                _deferred++;
                added++;
            }
        }

        return added;
    }

    /// <summary>
    /// Takes a message the scheduler does not know yet into the intake. One found in <c>incoming/</c> while
    /// the timetable holds it was put back by the queue CLI (retry): it leaves the timetable.
    /// </summary>
    private bool Track(QueueKey key, SpoolState from, bool fresh, SpoolMessage? known = null, bool queue = true)
    {
        lock (_lock)
        {
            if (_tracked.TryGetValue(key, out var t))
            {
                if (!(t.Where == Where.Deferred && from == SpoolState.Incoming))
                {
                    return false;
                }

                _deferred--; // its timetable entry is now stale and is skipped when it comes up
            }

            _tracked[key] = new Tracked(Where.Intake, 0);
        }

        if (queue)
        {
            (fresh ? _fresh : _backlog).Writer.TryWrite(new Intake(key, from, known));
        }

        return true;
    }

    private void Move(QueueKey key, Where where, long due = 0)
    {
        lock (_lock)
        {
            if (_tracked.TryGetValue(key, out var t) && t.Where == Where.Deferred)
            {
                _deferred--;
            }

            _tracked[key] = new Tracked(where, due);
            if (where == Where.Deferred)
            {
                _deferred++;
                _timetable.Enqueue(key, due);
            }
        }
    }

    private void Forget(QueueKey key)
    {
        lock (_lock)
        {
            if (_tracked.Remove(key, out var t) && t.Where == Where.Deferred)
            {
                _deferred--;
            }
        }
    }

    /// <summary>Hands the deferred messages that are due to the intake; returns how long to sleep.</summary>
    private TimeSpan ReleaseDue(DateTimeOffset now, TimeSpan maxWait)
    {
        var due = new List<QueueKey>();
        var wait = maxWait;
        lock (_lock)
        {
            while (_timetable.TryPeek(out var key, out var at))
            {
                if (!_tracked.TryGetValue(key, out var t) || t.Where != Where.Deferred || t.Due != at)
                {
                    _timetable.Dequeue(); // superseded: retried by the CLI, delivered, or deferred again since
                    continue;
                }

                if (at > now.UtcTicks)
                {
                    var until = TimeSpan.FromTicks(at - now.UtcTicks);
                    wait = until < maxWait ? until : maxWait;
                    break;
                }

                _timetable.Dequeue();
                _tracked[key] = new Tracked(Where.Intake, 0);
                _deferred--;
                due.Add(key);
            }
        }

        foreach (var key in due)
        {
            _backlog.Writer.TryWrite(new Intake(key, SpoolState.Deferred));
        }

        return wait;
    }

    private async Task ClassifyLoopAsync(CancellationToken ct)
    {
        var turn = 0;
        try
        {
            while (true)
            {
                Intake item;
                var preferBacklog = ++turn % 5 == 0;
                if (!(preferBacklog ? _backlog.Reader.TryRead(out item) || _fresh.Reader.TryRead(out item) : _fresh.Reader.TryRead(out item) || _backlog.Reader.TryRead(out item)))
                {
                    var fresh = _fresh.Reader.WaitToReadAsync(ct).AsTask();
                    var backlog = _backlog.Reader.WaitToReadAsync(ct).AsTask();
                    await Task.WhenAny(fresh, backlog);
                    if (fresh.IsCompletedSuccessfully && !fresh.Result && backlog.IsCompletedSuccessfully && !backlog.Result)
                    {
                        return; // both completed: shutting down
                    }

                    ct.ThrowIfCancellationRequested();
                    continue;
                }

                await ClassifyGuardedAsync(item, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task ClassifyGuardedAsync(Intake item, CancellationToken ct)
    {
        try
        {
            await ClassifyAsync(item.Key, item.From, ct, item.Known);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Forget(item.Key); // shutting down: it stays in incoming/ for the next start
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Broken infrastructure (disk, directory): forget it; the next scan finds it again.
            DeliveryLog.Crashed(_logger, ex, item.Key.ToString());
            Forget(item.Key);
        }
    }

    /// <summary>
    /// Reads the envelope (and state) of a message and queues it, with its envelope, at the destination of
    /// its first pending recipients. A message handed over by the accept path (<paramref name="known"/>) is
    /// not read: its file was just written, it has no state yet (the pass reads the state file anyway).
    /// </summary>
    private async Task ClassifyAsync(QueueKey key, SpoolState from, CancellationToken ct, SpoolMessage? known = null)
    {
        var id = key.ToString();
        SpoolMessage message;
        try
        {
            message = known is not null && from == SpoolState.Incoming ? known : _spool.Open(from, id);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Moved by the queue CLI (retry puts deferred back in incoming/, hold sets it aside).
            if (_spool.Locate(id) is SpoolState.Incoming or SpoolState.Deferred && _spool.Locate(id) is { } now && now != from)
            {
                await ClassifyAsync(key, now, ct);
                return;
            }

            Forget(key);
            return;
        }
        catch (InvalidDataException)
        {
            // The pass sets it aside in corrupt/ (and logs it).
            Move(key, Where.Queued);
            _destinations.Enqueue(_destinations.Get(null), new QueuedMessage(key, from));
            return;
        }

        var state = ReferenceEquals(message, known) ? null : _spool.ReadState(id);
        var done = state?.Recipients.Where(r => r.Status != RecipientStatus.Pending).Select(r => r.Address).ToHashSet(StringComparer.Ordinal) ?? [];
        var pending = message.Envelope.Recipients.Where(r => !done.Contains(r.Address)).ToList();
        var delayWarned = state is not null && state.Recipients.Where(r => r.Status == RecipientStatus.Pending).All(r => r.DelayNotified);

        Destination? first = null;
        Destination? firstAlive = null;
        var domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in pending)
        {
            if (!domains.Add(MssGateway.Directory.AddressKey.DomainOf(r.Address)))
            {
                continue;
            }

            RecipientRoute route;
            try
            {
                route = await _router.RouteAsync(r.Address, ct);
            }
            catch (MssGateway.Directory.DirectoryUnavailableException)
            {
                // The directory is down: queue it where it is (or locally); its pass defers it with directory_unavailable (4.4.3).
                break;
            }

            if (route.Hop is null)
            {
                continue;
            }

            var d = _destinations.Get(route.Hop);
            if (first is null || string.CompareOrdinal(d.Key, first.Key) < 0)
            {
                first = d;
            }

            if (!_destinations.IsDead(d) && (firstAlive is null || string.CompareOrdinal(d.Key, firstAlive.Key) < 0))
            {
                firstAlive = d;
            }
        }

        Move(key, Where.Queued);
        // The envelope goes with it, so the pass does not parse it again (it checks the file is still the one read here).
        _destinations.Enqueue(firstAlive ?? first ?? _destinations.Get(null), new QueuedMessage(key, from, delayWarned, message.Reusable ? message : null));
    }

    private async Task DispatchLoopAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                t_dispatching = true;
                try
                {
                    DispatchReady(ct);
                }
                finally
                {
                    t_dispatching = false;
                }

                await _wake.WaitAsync(TimeSpan.FromSeconds(1), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>Starts every pass the destination table allows now (the loop's work, or a waker's: <see cref="Signal"/>).</summary>
    private void DispatchReady(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested && _destinations.TryDispatch(out var lease, out var message))
        {
            Move(message.Key, Where.Delivering);
            var pass = RunPassAsync(message, lease!, ct);
            lock (_lock)
            {
                _passes.Add(pass);
            }

            _ = pass.ContinueWith(
                t =>
                {
                    lock (_lock)
                    {
                        _passes.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    /// <summary>
    /// One pass. A message whose classified envelope is reused (a file in clear, the usual case) starts on
    /// the thread that dispatched it (the dispatcher's loop, or whoever made it dispatchable: the accept
    /// path that handed it over, a pass that released its slot) and runs there until its first wait, the
    /// next hop's replies: claim, reopen, routing and the pipelined write take some tens of microseconds,
    /// less than the hand-off to another thread that a yield cost every message. Any other (a sealed file,
    /// authenticated whole before it is sent; an envelope to read again) goes to another thread first, so
    /// no dispatching thread is ever held long.
    /// </summary>
    private async Task RunPassAsync(QueuedMessage message, DestinationLease lease, CancellationToken ct)
    {
        if (message.Known is null)
        {
            await Task.Yield();
        }

        try
        {
            var result = await _delivery.RunAsync(message, lease, ct);
            if (result is { Status: DeliveryAttemptStatus.Deferred, NextAttemptAt: { } next })
            {
                Move(message.Key, Where.Deferred, next.UtcTicks);
            }
            else
            {
                Forget(message.Key);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Forget(message.Key);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Broken infrastructure (disk full, permissions): the message stays where it is (active/ is put
            // back in line at the next start, the others are found again by the scans).
            DeliveryLog.Crashed(_logger, ex, message.Id);
            Forget(message.Key);
        }
        finally
        {
            lease.Dispose();
            _destinations.PassFinished();
        }
    }

    private void Signal()
    {
        if (_dispatchInline && !t_dispatching)
        {
            t_dispatching = true;
            try
            {
                DispatchReady(_running);
                return;
            }
            catch (Exception ex)
            {
                DeliveryLog.Crashed(_logger, ex, "dispatch"); // a bug: the loop tries again
            }
            finally
            {
                t_dispatching = false;
            }
        }

        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Someone else woke it first.
            }
        }
    }

    private readonly record struct Tracked(Where Where, long Due);

    /// <summary>A message waiting to be classified: where it was found, and the accept path's hand-off if it came with one.</summary>
    private readonly record struct Intake(QueueKey Key, SpoolState From, SpoolMessage? Known = null);
}
