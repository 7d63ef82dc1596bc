using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// The queue manager (issue 6 §1). The spool is its only state, so it survives restarts: at start
/// it puts <c>active/</c> back in line (a delivery was interrupted) and reads the next-attempt time
/// of every message in <c>deferred/</c>. Then it feeds a pool of workers from three sources: the
/// accept path's <see cref="Notify"/>, a short poll of <c>incoming/</c> (messages the queue CLI
/// released, or a lost signal), and the deferred messages whose time has come. It never touches
/// <c>hold/</c> or <c>corrupt/</c>; every move is a rename that fails harmlessly when the queue
/// CLI moved the message first.
/// </summary>
public sealed class DeliveryScheduler : BackgroundService, IDeliveryScheduler
{
    private readonly MessageSpool _spool;
    private readonly MessageDelivery _delivery;
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly ClientCertificateSource _clientCertificate;
    private readonly TimeProvider _time;
    private readonly ILogger<DeliveryScheduler> _logger;
    private readonly Channel<(string Id, SpoolState From)> _ready = Channel.CreateUnbounded<(string, SpoolState)>(new UnboundedChannelOptions { SingleReader = false });
    private readonly ConcurrentDictionary<string, byte> _queued = new(StringComparer.Ordinal);
    private readonly Lock _deferredLock = new();
    private readonly PriorityQueue<string, DateTimeOffset> _deferredByTime = new();
    private readonly Dictionary<string, DateTimeOffset> _deferredDue = new(StringComparer.Ordinal);

    public DeliveryScheduler(MessageSpool spool, MessageDelivery delivery, IOptionsMonitor<DeliveryOptions> options, ClientCertificateSource clientCertificate, TimeProvider time, ILogger<DeliveryScheduler> logger)
    {
        _spool = spool;
        _delivery = delivery;
        _options = options;
        _clientCertificate = clientCertificate;
        _time = time;
        _logger = logger;
        _delivery.DsnQueued = Notify;
    }

    /// <summary>Messages queued for a worker or being delivered right now.</summary>
    public int InFlight => _queued.Count;

    public void Notify(string queueId)
    {
        if (QueueId.IsValid(queueId) && _queued.TryAdd(queueId, 0))
        {
            _ready.Writer.TryWrite((queueId, SpoolState.Incoming));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = _options.CurrentValue;
        if (_clientCertificate.Current is null)
        {
            DeliveryLog.NoClientCertificate(_logger);
        }

        // Only the scheduler puts files in active/, so anything there is an interrupted delivery. This is
        // the one part of MessageSpool.Recover() that is safe at any time; Recover() itself also deletes
        // temp files and must run before the listeners start (the host's job).
        var requeued = 0;
        foreach (var id in _spool.List(SpoolState.Active))
        {
            if (await _spool.MoveAsync(id, SpoolState.Active, SpoolState.Incoming))
            {
                requeued++;
            }
        }

        ScanDeferred();
        DeliveryLog.Started(_logger, requeued, _deferredDue.Count, options.MaxConcurrentDeliveries);

        var workers = Enumerable.Range(0, options.MaxConcurrentDeliveries).Select(_ => WorkAsync(stoppingToken)).ToList();
        var lastDeferredScan = _time.GetUtcNow();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = _time.GetUtcNow();
                var wait = options.PollInterval;
                try
                {
                    foreach (var id in _spool.List(SpoolState.Incoming))
                    {
                        if (_queued.TryAdd(id, 0))
                        {
                            _ready.Writer.TryWrite((id, SpoolState.Incoming));
                        }
                    }

                    if (now - lastDeferredScan >= options.DeferredScanInterval)
                    {
                        ScanDeferred();
                        lastDeferredScan = now;
                    }

                    wait = ReleaseDueDeferred(now, options.PollInterval);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The spool volume hiccuped: keep the scheduler alive and look again at the next tick.
                    DeliveryLog.ScanFailed(_logger, ex);
                }

                await Task.Delay(wait, _time, stoppingToken);
                options = _options.CurrentValue;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }

        _ready.Writer.TryComplete();
        await Task.WhenAll(workers);
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        await foreach (var (id, from) in _ready.Reader.ReadAllAsync(ct).WithCancellation(ct))
        {
            try
            {
                var result = await _delivery.RunAsync(id, from, ct);
                if (result is { Status: DeliveryAttemptStatus.Deferred, NextAttemptAt: { } next })
                {
                    AddDeferred(id, next);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Broken infrastructure (disk full, permissions): the worker lives on; the message stays
                // where it is (active/ is put back in line at the next start, the others are rescanned).
                DeliveryLog.Crashed(_logger, ex, id);
            }
            finally
            {
                _queued.TryRemove(id, out _);
            }
        }
    }

    /// <summary>Reads the next-attempt time of deferred messages the scheduler does not know yet (start, queue CLI, lost track).</summary>
    private void ScanDeferred()
    {
        var now = _time.GetUtcNow();
        foreach (var id in _spool.List(SpoolState.Deferred))
        {
            bool known;
            lock (_deferredLock)
            {
                known = _deferredDue.ContainsKey(id);
            }

            if (!known && !_queued.ContainsKey(id))
            {
                AddDeferred(id, _spool.ReadState(id)?.NextAttemptAt ?? now);
            }
        }
    }

    private void AddDeferred(string id, DateTimeOffset due)
    {
        lock (_deferredLock)
        {
            _deferredDue[id] = due;
            _deferredByTime.Enqueue(id, due);
        }
    }

    /// <summary>Hands the deferred messages that are due to the workers; returns how long to sleep.</summary>
    private TimeSpan ReleaseDueDeferred(DateTimeOffset now, TimeSpan maxWait)
    {
        lock (_deferredLock)
        {
            while (_deferredByTime.TryPeek(out var id, out var due))
            {
                if (!_deferredDue.TryGetValue(id, out var current) || current != due)
                {
                    _deferredByTime.Dequeue(); // superseded entry
                    continue;
                }

                if (due > now)
                {
                    var untilDue = due - now;
                    return untilDue < maxWait ? untilDue : maxWait;
                }

                _deferredByTime.Dequeue();
                _deferredDue.Remove(id);
                if (_queued.TryAdd(id, 0))
                {
                    _ready.Writer.TryWrite((id, SpoolState.Deferred));
                }
            }
        }

        return maxWait;
    }
}
