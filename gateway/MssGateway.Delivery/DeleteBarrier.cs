using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MssGateway.Journal;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// The durability of the delivery pass's deletes, made in batches (issue 13, the gateway's CPU per
/// message). A pass whose message is done unlinks it from <c>active/</c> and goes on: it no longer
/// waits for the directory fsync that makes the removal durable, a wait that cost every message a
/// hand-off to the fsync thread and back. Within <see cref="DeliveryOptions.DeleteSyncInterval"/> one
/// fsync of <c>active/</c> covers every delete since the last one; only after it are the messages'
/// state files removed and their <c>Deletion</c> records written to the exchange journal, so nothing
/// on disk says "done" before the delete is durable. A process crash loses nothing (the unlinks are in
/// the kernel); a power loss before the barrier can only bring back messages the next hop already
/// took, which are delivered again with their state: RFC 5321 §6.1's duplicate window, widened by at
/// most the interval, never a loss. A zero interval makes every pass wait for its own barrier, as before.
/// </summary>
internal sealed class DeleteBarrier
{
    private readonly MessageSpool _spool;
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly TimeProvider _time;
    private readonly IExchangeJournal? _journal;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private List<(string QueueId, JournalRecord? Record)> _batch = [];
    private ITimer? _timer;

    public DeleteBarrier(MessageSpool spool, IOptionsMonitor<DeliveryOptions> options, TimeProvider time, ILogger logger, IExchangeJournal? journal)
    {
        _spool = spool;
        _options = options;
        _time = time;
        _logger = logger;
        _journal = journal;
    }

    /// <summary>Deletes not yet durable (their state files still on disk).</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _batch.Count;
            }
        }
    }

    /// <summary>
    /// Deletes a delivered message from <c>active/</c>; <paramref name="record"/> goes to the journal once
    /// the delete is durable. False when the message was not there.
    /// </summary>
    public Task<bool> DeleteAsync(string queueId, JournalRecord? record) => DeleteAsync(queueId, -1, record);

    /// <summary>
    /// As <see cref="DeleteAsync(string, JournalRecord?)"/>, for a message of known length: a small file is
    /// kept for the accept path to write over (<see cref="MessageSpool.RecycleCapacity"/>) after the barrier.
    /// </summary>
    public async Task<bool> DeleteAsync(string queueId, long fileLength, JournalRecord? record)
    {
        if (!_spool.RemoveDelivered(queueId, fileLength))
        {
            return false;
        }

        var interval = _options.CurrentValue.DeleteSyncInterval;
        if (interval <= TimeSpan.Zero)
        {
            await _spool.SyncRemovedAsync([queueId]);
            Journal(record);
            return true;
        }

        lock (_lock)
        {
            _batch.Add((queueId, record));
            _timer ??= _time.CreateTimer(static s => _ = ((DeleteBarrier)s!).FlushAsync(), this, interval, Timeout.InfiniteTimeSpan);
        }

        return true;
    }

    /// <summary>
    /// Makes every delete so far durable (the timer calls it; the scheduler too when it stops). When the
    /// fsync fails the batch is kept, state files and all, and tried again at the next interval.
    /// </summary>
    public async Task FlushAsync()
    {
        List<(string QueueId, JournalRecord? Record)> batch;
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
            if (_batch.Count == 0)
            {
                return;
            }

            batch = _batch;
            _batch = [];
        }

        try
        {
            await _spool.SyncRemovedAsync(batch.ConvertAll(b => b.QueueId));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            DeliveryLog.DeleteSyncFailed(_logger, batch.Count, ex.Message);
            lock (_lock)
            {
                _batch.InsertRange(0, batch);
                _timer ??= _time.CreateTimer(static s => _ = ((DeleteBarrier)s!).FlushAsync(), this, RetryAfter(), Timeout.InfiniteTimeSpan);
            }

            return;
        }

        // The timer does not observe this task: a journal that cannot be written is logged per record, and
        // the rest of the batch still gets its records.
        foreach (var (queueId, record) in batch)
        {
            try
            {
                Journal(record);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                DeliveryLog.DeletionRecordFailed(_logger, queueId, ex.Message);
            }
        }
    }

    private TimeSpan RetryAfter()
    {
        var interval = _options.CurrentValue.DeleteSyncInterval;
        return interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1);
    }

    private void Journal(JournalRecord? record)
    {
        if (record is not null)
        {
            _journal?.Append(record);
        }
    }
}
