using System.Text.Json;

namespace MssGateway.Spool;

/// <summary>
/// The on-disk queue (DESIGN.md §3 "Spool"): one directory per state, one file per message with its
/// envelope. Accepting writes to <c>tmp/</c>, fsyncs, renames into <c>incoming/</c> and fsyncs the
/// directory before the caller may answer 250. After a crash the spool is the truth:
/// <see cref="Recover"/> discards unacknowledged temp files, sets unreadable files aside and puts
/// messages that were being delivered back in line.
/// </summary>
public sealed class MessageSpool
{
    private readonly Dictionary<SpoolState, GroupFsync> _directorySyncs = [];
    private readonly GroupFsync _stateDirectorySync;
    private readonly GroupFsync _contentSync;
    private readonly Action<Microsoft.Win32.SafeHandles.SafeFileHandle> _syncFile;

    public MessageSpool(string root, SpoolSyncMode sync = SpoolSyncMode.GroupCommit)
        : this(root, sync, static file => RandomAccess.FlushToDisk(file), DirectoryFsync.SyncFilesystem)
    {
    }

    /// <summary>Tests: the two hooks replace fsync(2) of a message file and syncfs(2) of the spool.</summary>
    internal MessageSpool(string root, SpoolSyncMode sync, Action<Microsoft.Win32.SafeHandles.SafeFileHandle> syncFile, Action<string> syncFilesystem)
    {
        SyncMode = sync;
        Root = System.IO.Path.GetFullPath(root);
        TempDirectory = System.IO.Path.Combine(Root, "tmp");
        StateDirectory = System.IO.Path.Combine(Root, "state");
        Directory.CreateDirectory(TempDirectory);
        Directory.CreateDirectory(StateDirectory);
        foreach (var state in Enum.GetValues<SpoolState>())
        {
            var dir = DirectoryOf(state);
            Directory.CreateDirectory(dir);
            _directorySyncs[state] = new GroupFsync(() => DirectoryFsync.Flush(dir));
        }

        _stateDirectorySync = new GroupFsync(() => DirectoryFsync.Flush(StateDirectory));
        // syncfs(2) is Linux's; elsewhere every message fsyncs its own file.
        var groupCommit = sync == SpoolSyncMode.GroupCommit && OperatingSystem.IsLinux();
        // GroupCommit: two files fsync at once, messages finishing while both run share one syncfs.
        _syncFile = syncFile;
        _contentSync = new GroupFsync(() => syncFilesystem(Root), maxInFlight: groupCommit ? 2 : int.MaxValue);
        DirectoryFsync.Flush(Root);
    }

    public string Root { get; }

    /// <summary>How accepted content is made durable (see <see cref="SpoolSyncMode"/>).</summary>
    public SpoolSyncMode SyncMode { get; }

    public string TempDirectory { get; }

    public string StateDirectory { get; }

    public string DirectoryOf(SpoolState state) => System.IO.Path.Combine(Root, state.ToString().ToLowerInvariant());

    public string PathOf(SpoolState state, string queueId) => System.IO.Path.Combine(DirectoryOf(state), queueId);

    /// <summary>Starts a new message; the caller writes its content, then commits or disposes it.</summary>
    public SpoolMessageWriter BeginMessage(TimeProvider? time = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var id = QueueId.New(time);
            var tmp = System.IO.Path.Combine(TempDirectory, id);
            try
            {
                var stream = new FileStream(tmp, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.Read,
                    BufferSize = 0,
                    Options = FileOptions.None,
                });
                return new SpoolMessageWriter(this, id, tmp, stream);
            }
            catch (IOException) when (attempt < 5 && File.Exists(tmp))
            {
                // Same id drawn twice in one millisecond: draw again.
            }
        }
    }

    /// <summary>Makes a message file's content durable: its own fsync, or a shared syncfs under load (<see cref="SpoolSyncMode"/>).</summary>
    internal Task SyncContentAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file) => _contentSync.FlushAsync(() => _syncFile(file));

    /// <summary>Moves a committed file into <c>incoming/</c> and makes the rename durable.</summary>
    internal async Task PublishAsync(string tempPath, string queueId)
    {
        var target = PathOf(SpoolState.Incoming, queueId);
        File.Move(tempPath, target, overwrite: false);
        await _directorySyncs[SpoolState.Incoming].FlushAsync();
    }

    /// <summary>
    /// Crash recovery at start-up: removes temp files (never acknowledged), moves <c>active/</c> back to
    /// <c>incoming/</c> (delivery was interrupted), sets files without a valid footer aside in
    /// <c>corrupt/</c>, and removes state files whose message is gone. Returns what it did.
    /// </summary>
    public SpoolRecoveryReport Recover()
    {
        var removedTemp = 0;
        foreach (var f in Directory.EnumerateFiles(TempDirectory))
        {
            File.Delete(f);
            removedTemp++;
        }

        var requeued = 0;
        foreach (var f in Directory.EnumerateFiles(DirectoryOf(SpoolState.Active)))
        {
            File.Move(f, PathOf(SpoolState.Incoming, System.IO.Path.GetFileName(f)), overwrite: false);
            requeued++;
        }

        var corrupt = new List<string>();
        var valid = 0;
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var state in new[] { SpoolState.Incoming, SpoolState.Deferred, SpoolState.Hold })
        {
            foreach (var f in Directory.EnumerateFiles(DirectoryOf(state)))
            {
                var id = System.IO.Path.GetFileName(f);
                if (!QueueId.IsValid(id) || SpoolFileFormat.ReadEnvelope(f, out _, out _) is null)
                {
                    File.Move(f, PathOf(SpoolState.Corrupt, id + "." + DateTime.UtcNow.Ticks), overwrite: false);
                    corrupt.Add(id);
                    continue;
                }

                known.Add(id);
                valid++;
            }
        }

        var orphanStates = 0;
        foreach (var f in Directory.EnumerateFiles(StateDirectory))
        {
            var name = System.IO.Path.GetFileName(f);
            if (name.EndsWith(".tmp", StringComparison.Ordinal) || !known.Contains(System.IO.Path.GetFileNameWithoutExtension(name)))
            {
                File.Delete(f);
                orphanStates++;
            }
        }

        foreach (var state in Enum.GetValues<SpoolState>())
        {
            DirectoryFsync.Flush(DirectoryOf(state));
        }

        DirectoryFsync.Flush(TempDirectory);
        DirectoryFsync.Flush(StateDirectory);
        return new SpoolRecoveryReport(valid, requeued, removedTemp, corrupt, orphanStates);
    }

    /// <summary>Ids of the messages in a state, oldest first (ids sort by time).</summary>
    public IReadOnlyList<string> List(SpoolState state)
    {
        var ids = Directory.EnumerateFiles(DirectoryOf(state)).Select(System.IO.Path.GetFileName).OfType<string>().Where(QueueId.IsValid).ToList();
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>Number of files in each state (for the queue-size gauge).</summary>
    public IReadOnlyDictionary<SpoolState, int> Count() =>
        Enum.GetValues<SpoolState>().ToDictionary(s => s, s => Directory.EnumerateFiles(DirectoryOf(s)).Count());

    /// <summary>Finds the state a message is in, or null when it is no longer in the spool.</summary>
    public SpoolState? Locate(string queueId)
    {
        if (!QueueId.IsValid(queueId))
        {
            return null;
        }

        foreach (var state in Enum.GetValues<SpoolState>())
        {
            if (File.Exists(PathOf(state, queueId)))
            {
                return state;
            }
        }

        return null;
    }

    /// <summary>Opens a spooled message for reading (envelope and content).</summary>
    public SpoolMessage Open(SpoolState state, string queueId)
    {
        var path = PathOf(state, queueId);
        var envelope = SpoolFileFormat.ReadEnvelope(path, out var contentLength, out var error)
            ?? throw new InvalidDataException($"Spool file {path} is not valid: {error}");
        return new SpoolMessage(path, envelope, contentLength);
    }

    /// <summary>
    /// Moves a message between states atomically (rename) and durably (fsync of the target directory).
    /// Returns false when the message was not in <paramref name="from"/> (another worker or the CLI moved it).
    /// </summary>
    public async Task<bool> MoveAsync(string queueId, SpoolState from, SpoolState to)
    {
        try
        {
            File.Move(PathOf(from, queueId), PathOf(to, queueId), overwrite: false);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }

        await _directorySyncs[to].FlushAsync();
        return true;
    }

    /// <summary>Removes a message and its delivery state (after the last recipient is accounted for).</summary>
    public async Task<bool> DeleteAsync(string queueId, SpoolState from)
    {
        var path = PathOf(from, queueId);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        await _directorySyncs[from].FlushAsync();
        var state = StatePath(queueId);
        if (File.Exists(state))
        {
            File.Delete(state);
        }

        return true;
    }

    /// <summary>Reads the delivery state of a message, or null when it has had no attempt yet.</summary>
    public SpoolDeliveryState? ReadState(string queueId)
    {
        var path = StatePath(queueId);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var s = File.OpenRead(path);
            return JsonSerializer.Deserialize(s, SpoolJsonContext.Default.SpoolDeliveryState);
        }
        catch (JsonException)
        {
            return null; // state files are replaced atomically; a broken one means a disk fault: start over
        }
    }

    /// <summary>Replaces the delivery state atomically and durably (temp file, fsync, rename, directory fsync).</summary>
    public async Task WriteStateAsync(SpoolDeliveryState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var path = StatePath(state.QueueId);
        var tmp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096))
        {
            await JsonSerializer.SerializeAsync(fs, state, SpoolJsonContext.Default.SpoolDeliveryState, cancellationToken);
            fs.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
        await _stateDirectorySync.FlushAsync();
    }

    private string StatePath(string queueId) => System.IO.Path.Combine(StateDirectory, queueId + ".json");
}

/// <summary>What <see cref="MessageSpool.Recover"/> found.</summary>
public sealed record SpoolRecoveryReport(int Messages, int Requeued, int TempFilesRemoved, IReadOnlyList<string> Corrupt, int OrphanStatesRemoved);
