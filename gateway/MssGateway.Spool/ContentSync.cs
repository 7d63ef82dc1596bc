using Microsoft.Win32.SafeHandles;

namespace MssGateway.Spool;

/// <summary>
/// Makes accepted message files durable before their 250 (<see cref="SpoolSyncMode.GroupCommit"/>).
/// While fewer than <c>maxInFlight</c> syncs run, a commit fsyncs its own file at once: a lone
/// message waits for one fsync, as with <see cref="SpoolSyncMode.PerFile"/>. When all slots are busy,
/// commits queue into one pending batch, and the first slot to free up runs a single syncfs(2) of
/// the spool's filesystem for the whole batch. Every caller completes only after a sync that started
/// after its call (its own fsync, or the batch's syncfs, which starts after the last caller joined).
/// </summary>
internal sealed class ContentSync
{
    private readonly Action<SafeFileHandle> _syncFile;
    private readonly Action _syncFilesystem;
    private readonly int _maxInFlight;
    private readonly Lock _lock = new();
    private TaskCompletionSource? _pending;
    private int _inFlight;

    public ContentSync(Action<SafeFileHandle> syncFile, Action syncFilesystem, int maxInFlight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _syncFile = syncFile;
        _syncFilesystem = syncFilesystem;
        _maxInFlight = maxInFlight;
    }

    /// <summary>Completes once <paramref name="file"/>'s data and inode are on stable storage.</summary>
    public Task SyncAsync(SafeFileHandle file)
    {
        lock (_lock)
        {
            if (_pending is not null)
            {
                return _pending.Task; // a batch not started yet: its syncfs covers this file too.
            }

            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inFlight < _maxInFlight)
            {
                _inFlight++;
                ThreadPool.UnsafeQueueUserWorkItem(_ => Run(completion, file), null);
            }
            else
            {
                _pending = completion;
            }

            return completion.Task;
        }
    }

    private void Run(TaskCompletionSource completion, SafeFileHandle? file)
    {
        while (true)
        {
            try
            {
                if (file is not null)
                {
                    _syncFile(file);
                }
                else
                {
                    _syncFilesystem();
                }

                completion.SetResult();
            }
            catch (Exception ex)
            {
                // Whatever the failure, the waiting commits must hear of it (their 250 is refused)
                // and the slot must be given back, or every later commit would wait forever.
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
                file = null;
            }
        }
    }
}
