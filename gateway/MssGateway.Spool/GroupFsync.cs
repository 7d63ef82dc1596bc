namespace MssGateway.Spool;

/// <summary>
/// Group commit for one flush target. Each caller's task completes only after a flush that started
/// after the call, so whatever the caller did before calling (a write, a rename) is covered.
/// While fewer than <c>maxInFlight</c> flushes run, a caller starts one at once — its own
/// <c>solo</c> flush when it has one (the fsync of its own file), else the shared flush. When every
/// slot is busy, callers join one pending batch, and the first slot to free up runs the shared flush
/// (a directory fsync, a syncfs) once for the whole batch.
/// </summary>
internal sealed class GroupFsync
{
    private readonly Action _flushAll;
    private readonly int _maxInFlight;
    private readonly Lock _lock = new();
    private TaskCompletionSource? _pending;
    private int _inFlight;

    public GroupFsync(Action flushAll, int maxInFlight = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _flushAll = flushAll;
        _maxInFlight = maxInFlight;
    }

    public Task FlushAsync(Action? solo = null)
    {
        lock (_lock)
        {
            if (_pending is not null)
            {
                return _pending.Task; // a batch not started yet: its flush covers this caller too.
            }

            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inFlight < _maxInFlight)
            {
                _inFlight++;
                ThreadPool.UnsafeQueueUserWorkItem(_ => Run(completion, solo ?? _flushAll), null);
            }
            else
            {
                _pending = completion;
            }

            return completion.Task;
        }
    }

    private void Run(TaskCompletionSource completion, Action flush)
    {
        while (true)
        {
            try
            {
                flush();
                completion.SetResult();
            }
            catch (Exception ex)
            {
                // Whatever the failure, the waiting commits must hear of it (their 250 is refused)
                // and the slot must be given back, or every later caller would wait forever.
                completion.SetException(ex);
            }

            lock (_lock)
            {
                if (_pending is null)
                {
                    _inFlight--;
                    return;
                }

                completion = _pending;
                _pending = null;
                flush = _flushAll;
            }
        }
    }
}
