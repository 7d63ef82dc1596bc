namespace MssGateway.Spool;

/// <summary>
/// Group commit for one fsync target: callers that arrive while an fsync runs share the next one.
/// Each caller's task completes only after an fsync that started after the call, so whatever the
/// caller did before calling (a rename) is covered. One fsync then serves many concurrent messages.
/// </summary>
internal sealed class GroupFsync
{
    private readonly Action _flush;
    private readonly Lock _lock = new();
    private TaskCompletionSource? _next;
    private bool _running;

    public GroupFsync(Action flush)
    {
        _flush = flush;
    }

    public Task FlushAsync()
    {
        lock (_lock)
        {
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = _next.Task;
            if (!_running)
            {
                _running = true;
                _ = Task.Run(Loop);
            }

            return task;
        }
    }

    private void Loop()
    {
        while (true)
        {
            TaskCompletionSource batch;
            lock (_lock)
            {
                if (_next is null)
                {
                    _running = false;
                    return;
                }

                batch = _next;
                _next = null;
            }

            try
            {
                _flush();
                batch.SetResult();
            }
            catch (IOException ex)
            {
                batch.SetException(ex);
            }
        }
    }
}
