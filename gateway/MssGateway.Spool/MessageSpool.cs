using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using MssGateway.Spool.Encryption;

namespace MssGateway.Spool;

/// <summary>
/// The on-disk queue (DESIGN.md §3 "Spool"): one directory per state, one file per message with its
/// envelope. Accepting writes to <c>tmp/</c>, fsyncs, renames into <c>incoming/</c> and fsyncs the
/// directory before the caller may answer 250. After a crash the spool is the truth:
/// <see cref="Recover"/> discards unacknowledged temp files, sets unreadable files aside and puts
/// messages that were being delivered back in line. With <see cref="SpoolEncryption"/>, every file it
/// writes (messages, DSNs, delivery state) is sealed (<see cref="SealedFileHeader"/>), and files written
/// in clear before encryption was switched on still open.
/// </summary>
public sealed class MessageSpool
{
    private readonly Dictionary<SpoolState, GroupFsync> _directorySyncs = [];
    private readonly GroupFsync _stateDirectorySync;
    private readonly GroupFsync _contentSync;
    private readonly Action<Microsoft.Win32.SafeHandles.SafeFileHandle> _syncFile;
    private readonly Func<string, string, bool> _sameFilesystem;
    private readonly bool _groupCommit;
    private Tuple<string, bool>? _companionCoverage; // a reference: read and replaced whole, never torn
    private readonly string _signalPath;
    private (IReadOnlyDictionary<SpoolState, int> Counts, long ValidUntil)? _count;
    private long _envelopesRead;

    // Recycled files (issue 13, the delivery's file-system cost): a delivered message's file is renamed
    // into recycled/ instead of unlinked; once the delete barrier has made its removal from active/
    // durable, the accept path writes its next message over it. Pending: renamed, barrier not yet passed
    // (never reused); ready: reusable. _recycledFiles counts both, bounded by RecycleCapacity.
    private readonly Lock _recycleLock = new();
    private readonly Queue<(long Sequence, string Name)> _recyclePending = new();
    private readonly List<(string Name, long ReadyAt)> _recycleReady = []; // a stack: the newest at the end, the oldest trimmed first
    private readonly GroupFsync _recycledDirectorySync;
    private long _recycleSequence;
    private int _recycledFiles;
    private long _recycledReused;

    public MessageSpool(string root, SpoolSyncMode sync = SpoolSyncMode.GroupCommit, SpoolEncryption? encryption = null)
        : this(root, sync, static file => RandomAccess.FlushToDisk(file), DirectoryFsync.SyncFilesystem, encryption)
    {
    }

    /// <summary>
    /// Tests: the hooks replace fsync(2) of a message file, syncfs(2) of the spool, and the check that a
    /// <see cref="SpoolCommitCompanion"/>'s directory is on the spool's filesystem.
    /// </summary>
    internal MessageSpool(string root, SpoolSyncMode sync, Action<Microsoft.Win32.SafeHandles.SafeFileHandle> syncFile, Action<string> syncFilesystem, SpoolEncryption? encryption = null, Func<string, string, bool>? sameFilesystem = null)
    {
        _sameFilesystem = sameFilesystem ?? DirectoryFsync.SameFilesystem;
        SyncMode = sync;
        Encryption = encryption;
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
        RecycledDirectory = System.IO.Path.Combine(Root, "recycled");
        Directory.CreateDirectory(RecycledDirectory);
        _recycledDirectorySync = new GroupFsync(() => DirectoryFsync.Flush(RecycledDirectory));
        // syncfs(2) is Linux's; elsewhere every message fsyncs its own file.
        _groupCommit = sync == SpoolSyncMode.GroupCommit && OperatingSystem.IsLinux();
        // GroupCommit: two files fsync at once, messages finishing while both run share one syncfs.
        _syncFile = syncFile;
        _contentSync = new GroupFsync(() => syncFilesystem(Root), maxInFlight: _groupCommit ? 2 : int.MaxValue);
        _signalPath = System.IO.Path.Combine(Root, "incoming.signal");
        DirectoryFsync.Flush(Root);
    }

    public string Root { get; }

    /// <summary>Envelopes of files in clear parsed from disk so far (tests: what the accept path's hand-off saves).</summary>
    internal long EnvelopesRead => Interlocked.Read(ref _envelopesRead);

    /// <summary>How accepted content is made durable (see <see cref="SpoolSyncMode"/>).</summary>
    public SpoolSyncMode SyncMode { get; }

    public string TempDirectory { get; }

    /// <summary>
    /// Where delivered messages' files wait to be written over by the accept path (<see cref="RecycleCapacity"/>).
    /// Nothing in it is a message: <see cref="Recover"/> removes whatever is there.
    /// </summary>
    public string RecycledDirectory { get; }

    /// <summary>
    /// How many delivered messages' files the spool keeps for the accept path to write its next messages
    /// over (<c>Gateway:Spool:RecycledFiles</c>; 0: every delivered file is unlinked). A file is reused only
    /// after the delete barrier has made its removal from <c>active/</c> durable, so a power loss can never
    /// bring back a delivered message's name over another message's content. What it saves, per message,
    /// is the file system's inode allocation and release (on ext4 without a journal, the allocation also
    /// skips every inode freed in the last 30 s): docs/delivery.md §1. Set before the gateway starts;
    /// the queue CLI's spool keeps 0.
    /// </summary>
    public int RecycleCapacity { get; init; }

    /// <summary>
    /// Files longer than this are unlinked when delivered, never recycled: <c>recycled/</c> holds at most
    /// <see cref="RecycleCapacity"/> × 1 MiB of disk (a typical message is tens of KB).
    /// </summary>
    public const long RecycledFileMaxBytes = 1024 * 1024;

    /// <summary>The longest a recycled file waits for a new message before <see cref="TrimRecycled"/> unlinks it.</summary>
    public static readonly TimeSpan RecycledFileMaxAge = TimeSpan.FromMinutes(1);

    /// <summary>The clock of <see cref="TrimRecycled"/> (tests: a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Files in <c>recycled/</c> now, reusable or waiting for their barrier (the gauge <c>mssgw_spool_recycled_files</c>).</summary>
    public int RecycledFiles => Volatile.Read(ref _recycledFiles);

    /// <summary>Messages accepted into a recycled file so far (<c>mssgw_spool_recycled_reused_total</c>).</summary>
    public long RecycledReused => Interlocked.Read(ref _recycledReused);

    /// <summary>Sealing and key ring of this spool; null for a spool in clear without keys.</summary>
    public SpoolEncryption? Encryption { get; }

    private SpoolKey? SealKey => Encryption is { SealNewFiles: true, Keys: { } keys } ? keys.Current : null;

    public string StateDirectory { get; }

    public string DirectoryOf(SpoolState state) => System.IO.Path.Combine(Root, state.ToString().ToLowerInvariant());

    public string PathOf(SpoolState state, string queueId) => System.IO.Path.Combine(DirectoryOf(state), queueId);

    /// <summary>
    /// Starts a new message; the caller writes its content, then commits or disposes it. Its temp file is
    /// created with the first octets written (or at the commit), not here: a transfer abandoned before
    /// its first block — a BDAT chunk then RSET, a DATA that trickles nothing — never touches the disk.
    /// </summary>
    public SpoolMessageWriter BeginMessage(TimeProvider? time = null)
    {
        var id = QueueId.New(time);
        return new SpoolMessageWriter(this, id, System.IO.Path.Combine(TempDirectory, id), SealKey);
    }

    /// <summary>
    /// Makes a message file's content durable: its own fsync, or a shared syncfs under load
    /// (<see cref="SpoolSyncMode"/>). With a <paramref name="companion"/>, writes it first, then one
    /// barrier covers both when it can — a syncfs, solo or shared by the batch, when the companion is on
    /// the spool's filesystem under group commit — else the companion's own flush runs beside the fsync.
    /// Either way the task completes only once the message and the companion are on disk.
    /// </summary>
    internal Task SyncContentAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, SpoolCommitCompanion? companion = null)
    {
        if (companion is null)
        {
            return _contentSync.FlushAsync(() => _syncFile(file));
        }

        // Written before the barrier is requested: GroupFsync only completes a caller after a flush
        // that started after its call, so that flush sees the companion's pages.
        companion.Write();
        if (CoversBySyncfs(companion.Directory))
        {
            return _contentSync.FlushAsync(); // no solo fsync: the syncfs is the one barrier for both
        }

        return Task.WhenAll(_contentSync.FlushAsync(() => _syncFile(file)), companion.FlushAsync());
    }

    /// <summary>Whether the content barrier is always a syncfs that covers <paramref name="directory"/> (group commit, same filesystem).</summary>
    internal bool CoversBySyncfs(string directory)
    {
        if (!_groupCommit)
        {
            return false;
        }

        // One companion directory per process in practice (the journal of this instance): remember its answer.
        var known = _companionCoverage;
        if (known is not null && string.Equals(known.Item1, directory, StringComparison.Ordinal))
        {
            return known.Item2;
        }

        var covered = _sameFilesystem(Root, directory);
        _companionCoverage = Tuple.Create(directory, covered);
        return covered;
    }

    /// <summary>Moves a committed file (from <c>tmp/</c>, or <c>recycled/</c>) into <c>incoming/</c> and makes the rename durable.</summary>
    internal async Task PublishAsync(string tempPath, string queueId)
    {
        // One renameat2(RENAME_NOREPLACE): a message already published under this id (an id drawn twice) is never overwritten.
        if (!SpoolFileCalls.TryRename(tempPath, PathOf(SpoolState.Incoming, queueId)))
        {
            throw new IOException($"The temp file {tempPath} of message {queueId} is gone: not published");
        }

        await _directorySyncs[SpoolState.Incoming].FlushAsync();
    }

    /// <summary>
    /// Crash recovery at start-up: removes temp files (never acknowledged), moves <c>active/</c> back to
    /// <c>incoming/</c> (delivery was interrupted), sets files without a valid footer aside in
    /// <c>corrupt/</c>, and removes state files whose message is gone. Returns what it did.
    /// Made for a national-scale queue: each message costs a directory entry and one 32-octet read of its
    /// footer (in parallel), never a parse of its envelope (that happens when it is opened for delivery,
    /// which sets an unreadable envelope aside too), so a million queued messages recover in seconds.
    /// </summary>
    public SpoolRecoveryReport Recover()
    {
        var removedTemp = 0;
        foreach (var f in Directory.EnumerateFiles(TempDirectory))
        {
            File.Delete(f);
            removedTemp++;
        }

        // Delivered messages' files kept for reuse: none is a message, and the in-memory list of them is gone.
        foreach (var f in Directory.EnumerateFiles(RecycledDirectory))
        {
            File.Delete(f);
        }

        lock (_recycleLock)
        {
            _recyclePending.Clear();
            _recycleReady.Clear();
            _recycledFiles = 0;
        }

        var requeued = 0;
        foreach (var f in Directory.EnumerateFiles(DirectoryOf(SpoolState.Active)))
        {
            File.Move(f, PathOf(SpoolState.Incoming, System.IO.Path.GetFileName(f)), overwrite: false);
            requeued++;
        }

        var corrupt = new System.Collections.Concurrent.ConcurrentBag<string>();
        var known = new HashSet<QueueKey>();
        // One compact entry per message (its state and key), not its path and name: with a million queued
        // messages two strings each held some 200 MB while recovery ran. Names that are not queue ids are few.
        var files = new List<(SpoolState State, QueueKey Key)>();
        var strangers = new List<(SpoolState State, string Name)>();
        foreach (var state in new[] { SpoolState.Incoming, SpoolState.Deferred, SpoolState.Hold })
        {
            foreach (var (isId, key, name) in EnumerateNames(state))
            {
                if (isId)
                {
                    files.Add((state, key));
                    known.Add(key);
                }
                else
                {
                    strangers.Add((state, name!));
                }
            }
        }

        var keyMissing = 0;
        Parallel.ForEach(files, file =>
        {
            var id = file.Key.ToString();
            var path = PathOf(file.State, id);
            var valid = CheckComplete(path, id);
            if (valid is null)
            {
                Interlocked.Increment(ref keyMissing); // intact as far as we can tell: left for an operator who brings the key back
            }
            else if (!valid.Value)
            {
                File.Move(path, PathOf(SpoolState.Corrupt, id + "." + DateTime.UtcNow.Ticks), overwrite: false);
                corrupt.Add(id);
            }
        });

        foreach (var (state, name) in strangers)
        {
            File.Move(PathOf(state, name), PathOf(SpoolState.Corrupt, name + "." + DateTime.UtcNow.Ticks), overwrite: false);
            corrupt.Add(name);
        }

        foreach (var id in corrupt)
        {
            if (QueueId.TryToKey(id, out var key))
            {
                known.Remove(key);
            }
        }

        var orphanStates = 0;
        foreach (var f in Directory.EnumerateFiles(StateDirectory))
        {
            var name = System.IO.Path.GetFileName(f.AsSpan());
            if (name.EndsWith(".tmp", StringComparison.Ordinal) || !QueueId.TryToKey(System.IO.Path.GetFileNameWithoutExtension(name), out var key) || !known.Contains(key))
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
        DirectoryFsync.Flush(RecycledDirectory);
        DirectoryFsync.Flush(StateDirectory);
        return new SpoolRecoveryReport(known.Count, requeued, removedTemp, [.. corrupt.Order(StringComparer.Ordinal)], orphanStates) { KeyMissing = keyMissing };
    }

    /// <summary>
    /// Recovery's check of one file: a clear file by its footer; a sealed one by its header and its
    /// final chunk (decrypted and authenticated, then the footer inside it): one chunk at most. Null when
    /// the file's key is not loaded (cannot be judged).
    /// </summary>
    private bool? CheckComplete(string path, string queueId)
    {
        try
        {
            // One open for a clear file (its first octets say it is not sealed, then its footer from the same handle).
            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                Span<byte> start = stackalloc byte[8];
                if (!SealedFileHeader.LooksSealed(start[..RandomAccess.Read(handle, start, 0)]))
                {
                    return SpoolFileFormat.HasValidFooter(handle);
                }
            }

            using var reader = SealedContentReader.Open(path, Encryption?.Keys, SealedFileKind.Message, queueId);
            Span<byte> footer = stackalloc byte[SpoolFileFormat.FooterLength];
            return reader.PlainLength >= SpoolFileFormat.FooterLength
                && reader.Read(reader.PlainLength - SpoolFileFormat.FooterLength, footer) == footer.Length
                && SpoolFileFormat.FooterMatches(footer, reader.PlainLength);
        }
        catch (SpoolDecryptionException ex) when (ex.Failure == SpoolDecryptionFailure.KeyMissing)
        {
            SpoolEncryption.CountFailure(ex.Failure);
            return null;
        }
        catch (SpoolDecryptionException ex)
        {
            SpoolEncryption.CountFailure(ex.Failure);
            return false;
        }
        catch (FileNotFoundException)
        {
            return true; // moved meanwhile: not ours to judge
        }
    }

    /// <summary>The files of a state directory: a queue id as its key, any other name as itself.</summary>
    private System.IO.Enumeration.FileSystemEnumerable<(bool IsId, QueueKey Key, string? Name)> EnumerateNames(SpoolState state) =>
        new(
            DirectoryOf(state),
            (ref System.IO.Enumeration.FileSystemEntry entry) => QueueId.TryToKey(entry.FileName, out var key) ? (true, key, null) : (false, default, entry.FileName.ToString()),
            new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry entry) => !entry.IsDirectory,
        };

    /// <summary>Whether an open file starts with a sealed header (else it was written in clear).</summary>
    private static bool IsSealed(SafeFileHandle handle)
    {
        Span<byte> start = stackalloc byte[8];
        var n = RandomAccess.Read(handle, start, 0);
        return SealedFileHeader.LooksSealed(start[..n]);
    }

    /// <summary>Ids of the messages in a state, oldest first (ids sort by time).</summary>
    public IReadOnlyList<string> List(SpoolState state)
    {
        var ids = Directory.EnumerateFiles(DirectoryOf(state)).Select(System.IO.Path.GetFileName).OfType<string>().Where(QueueId.IsValid).ToList();
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>
    /// The messages in a state as compact keys, in directory order (no sort, no string per message):
    /// what a scheduler reads at start and in its safety-net scans of a large queue.
    /// </summary>
    public IEnumerable<QueueKey> EnumerateKeys(SpoolState state) =>
        new System.IO.Enumeration.FileSystemEnumerable<QueueKey?>(
            DirectoryOf(state),
            (ref System.IO.Enumeration.FileSystemEntry entry) => QueueId.TryToKey(entry.FileName, out var key) ? key : null,
            new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true })
        {
            ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry entry) => !entry.IsDirectory,
        }.OfType<QueueKey>();

    /// <summary>
    /// The messages of <c>deferred/</c> with their next-attempt time, read from the file's modification
    /// time (<see cref="DeferAsync"/> sets it, as Postfix does for its deferred queue): one stat per
    /// message instead of reading a million state files at start. The state file stays the truth; a time
    /// lost in a crash only makes a retry come early.
    /// </summary>
    public IEnumerable<(QueueKey Key, DateTimeOffset Due)> EnumerateDeferred() =>
        new System.IO.Enumeration.FileSystemEnumerable<(QueueKey, DateTimeOffset)?>(
            DirectoryOf(SpoolState.Deferred),
            (ref System.IO.Enumeration.FileSystemEntry entry) => QueueId.TryToKey(entry.FileName, out var key) ? (key, entry.LastWriteTimeUtc) : null,
            new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true })
        {
            ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry entry) => !entry.IsDirectory,
        }.OfType<(QueueKey, DateTimeOffset)>();

    /// <summary>
    /// Number of files in each state (for the queue-size gauge). Counting a directory of a million
    /// entries takes a noticeable fraction of a second, so a count that took long is reused for fifty
    /// times its duration: a scrape every 15 s never spends more than 2 % of a core on it.
    /// </summary>
    public IReadOnlyDictionary<SpoolState, int> Count()
    {
        var now = Environment.TickCount64;
        var cached = _count;
        if (cached is not null && now < cached.Value.ValidUntil)
        {
            return cached.Value.Counts;
        }

        var started = Environment.TickCount64;
        var counts = Enum.GetValues<SpoolState>().ToDictionary(s => s, s => Directory.EnumerateFiles(DirectoryOf(s)).Count());
        var took = Environment.TickCount64 - started;
        _count = (counts, took >= 20 ? Environment.TickCount64 + (50 * took) : 0);
        return counts;
    }

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

    /// <summary>
    /// Opens a spooled message for reading (envelope and content). A sealed file is authenticated whole
    /// first — every chunk, the final flag, the header against the file's name — so a message altered
    /// on disk fails here (an <see cref="InvalidDataException"/> whose inner <see cref="SpoolDecryptionException"/>
    /// says why: delivery sets it aside in <c>corrupt/</c>) before a single octet of it leaves the gateway.
    /// A file in clear is opened once: its first octets say it is not sealed, then its footer and envelope
    /// are read from the same handle, and its <see cref="SpoolMessage.Stamp"/> is taken for <see cref="Reopen"/>.
    /// </summary>
    public SpoolMessage Open(SpoolState state, string queueId)
    {
        var path = PathOf(state, queueId);
        var (handle, stamp) = SpoolFileCalls.OpenRead(path);
        try
        {
            return OpenFrom(handle, stamp, path, queueId, keepOpen: false);
        }
        finally
        {
            handle.Dispose();
        }
    }

    /// <summary>
    /// Opens again, in <paramref name="state"/>, a message read before (the delivery pass after the
    /// scheduler's classification): one open of the file, kept open by the returned message until it is
    /// disposed, for all the pass reads. When the file is still the version read before (a file in clear
    /// with the same <see cref="SpoolFileStamp"/>), its envelope is not parsed again; anything else — a
    /// sealed file (authenticated whole again, as <see cref="Open"/> does), a file replaced under the same
    /// name, a stamp that changed — is read afresh, with <see cref="Open"/>'s checks and errors.
    /// </summary>
    public SpoolMessage Reopen(SpoolMessage known, SpoolState state)
    {
        ArgumentNullException.ThrowIfNull(known);
        var queueId = known.Envelope.QueueId;
        var path = PathOf(state, queueId);
        var (opened, now) = SpoolFileCalls.OpenRead(path);
        if (known.Stamp is { } stamp && now == stamp && Encryption is not { ReadPlainFiles: false })
        {
            return new SpoolMessage(path, known.Envelope, known.ContentLength, opened, stamp);
        }

        return OpenHeldFrom(opened, now, path, queueId);
    }

    /// <summary>
    /// Opens a message for a delivery pass that had no envelope read before (a message released from a
    /// parked or long queue, a deferred one due again, one found by the scan): as <see cref="Open"/>, with
    /// its checks and errors, but a file in clear stays open in the returned message until it is disposed,
    /// so the header scan, the transactions and a DSN's copy read the one file whose envelope was read —
    /// one open instead of one per read, and never another file put under the same name meanwhile. A
    /// sealed file is authenticated whole here and opened again by each read, as <see cref="Open"/> does.
    /// </summary>
    public SpoolMessage OpenHeld(SpoolState state, string queueId)
    {
        var path = PathOf(state, queueId);
        var (handle, stamp) = SpoolFileCalls.OpenRead(path);
        return OpenHeldFrom(handle, stamp, path, queueId);
    }

    /// <summary>Reads a message from its open file and keeps the handle in it (a file in clear), or closes it.</summary>
    private SpoolMessage OpenHeldFrom(SafeFileHandle opened, SpoolFileStamp stamp, string path, string queueId)
    {
        SafeFileHandle? handle = opened;
        try
        {
            var message = OpenFrom(handle, stamp, path, queueId, keepOpen: true);
            if (message.Stamp is not null)
            {
                handle = null; // the message holds it now
            }

            return message;
        }
        finally
        {
            handle?.Dispose();
        }
    }

    /// <summary>
    /// Reads a message from its open file. A file in clear with <paramref name="keepOpen"/> returns a
    /// message that reads (and owns) <paramref name="handle"/>; otherwise the caller closes it.
    /// </summary>
    private SpoolMessage OpenFrom(SafeFileHandle handle, SpoolFileStamp stamp, string path, string queueId, bool keepOpen)
    {
        try
        {
            if (IsSealed(handle))
            {
                var keys = Encryption?.Keys;
                using var reader = SealedContentReader.Open(path, keys, SealedFileKind.Message, queueId);
                reader.VerifyAll();
                var sealedEnvelope = SpoolFileFormat.ReadEnvelope(reader, out var sealedLength, out var sealedError);
                if (sealedEnvelope is null || sealedEnvelope.QueueId != queueId)
                {
                    throw new SpoolDecryptionException(SpoolDecryptionFailure.BadLayout, $"Spool file {path} decrypts but is not valid: {sealedError ?? "the envelope names another message"}");
                }

                return new SpoolMessage(path, sealedEnvelope, sealedLength, () => SealedContentReader.Open(path, keys, SealedFileKind.Message, queueId));
            }
        }
        catch (SpoolDecryptionException ex)
        {
            SpoolEncryption.CountFailure(ex.Failure);
            throw new InvalidDataException($"Spool file {path} does not open ({SpoolEncryption.Label(ex.Failure)}): {ex.Message}", ex);
        }

        if (Encryption is { ReadPlainFiles: false })
        {
            SpoolEncryption.CountFailure(SpoolDecryptionFailure.PlainRefused);
            throw new InvalidDataException(
                $"Spool file {path} is in clear and {SpoolEncryptionOptions.Section}:ReadPlainFiles is false",
                new SpoolDecryptionException(SpoolDecryptionFailure.PlainRefused, "file in clear"));
        }

        using var plain = new PlainSpoolContent(handle, stamp.Length);
        Interlocked.Increment(ref _envelopesRead);
        var envelope = SpoolFileFormat.ReadEnvelope(plain, out var contentLength, out var error)
            ?? throw new InvalidDataException($"Spool file {path} is not valid: {error}");
        if (!string.Equals(envelope.QueueId, queueId, StringComparison.Ordinal))
        {
            // A file moved or copied under another message's name: delivering it would report (and delete) the other id.
            throw new InvalidDataException($"Spool file {path} is not valid: its envelope names another message");
        }
        return keepOpen
            ? new SpoolMessage(path, envelope, contentLength, handle, stamp)
            : new SpoolMessage(path, envelope, contentLength, () => new PlainSpoolContent(path), stamp);
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
        if (to == SpoolState.Incoming && from is SpoolState.Hold or SpoolState.Deferred)
        {
            SignalIncoming();
        }

        return true;
    }

    /// <summary>
    /// Takes a message for delivery: renames it into <c>active/</c>. False when it was not in
    /// <paramref name="from"/> (the queue CLI moved it). No directory fsync: if the rename is lost in a
    /// crash the message is found where it was, which is where recovery would put it back anyway.
    /// </summary>
    public bool Claim(string queueId, SpoolState from) =>
        SpoolFileCalls.TryRename(PathOf(from, queueId), PathOf(SpoolState.Active, queueId)); // one renameat2, not lstat + rename

    /// <summary>
    /// Moves a message being delivered to <c>deferred/</c>, its file's modification time set to the next
    /// attempt (read back at start by <see cref="EnumerateDeferred"/>). Write the state first: it is the truth.
    /// </summary>
    public async Task<bool> DeferAsync(string queueId, DateTimeOffset nextAttempt)
    {
        try
        {
            File.SetLastWriteTimeUtc(PathOf(SpoolState.Active, queueId), nextAttempt.UtcDateTime);
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        return await MoveAsync(queueId, SpoolState.Active, SpoolState.Deferred);
    }

    /// <summary>
    /// Changes whenever the queue CLI puts a message back in <c>incoming/</c> (retry, release), so a running
    /// scheduler that checks it every second needs no frequent scan of a large <c>incoming/</c>.
    /// </summary>
    public DateTime IncomingSignal
    {
        get
        {
            var t = File.GetLastWriteTimeUtc(_signalPath);
            return t.Year < 1980 ? DateTime.MinValue : t;
        }
    }

    private void SignalIncoming()
    {
        try
        {
            using (new FileStream(_signalPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite))
            {
            }

            File.SetLastWriteTimeUtc(_signalPath, DateTime.UtcNow);
        }
        catch (IOException)
        {
            // Only a hint: the scheduler's periodic scan finds the message anyway.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Removes a message and its delivery state (after the last recipient is accounted for).</summary>
    public async Task<bool> DeleteAsync(string queueId, SpoolState from)
    {
        if (!SpoolFileCalls.TryUnlink(PathOf(from, queueId)))
        {
            return false;
        }

        await _directorySyncs[from].FlushAsync();
        SpoolFileCalls.TryUnlink(StatePath(queueId)); // nothing when it has none
        return true;
    }

    /// <summary>
    /// The delivery pass's delete of a message in <c>active/</c> whose last recipient is accounted for:
    /// removes it from <c>active/</c> and returns without waiting for the directory fsync that makes the
    /// removal durable — <see cref="SyncRemovedAsync"/> does that for a batch of them (the scheduler's
    /// delete barrier). Until then its state file stays, so a power loss that brings the message back
    /// re-delivers it with its state (RFC 5321 §6.1's duplicate window, never a loss). While
    /// <c>recycled/</c> holds fewer than <see cref="RecycleCapacity"/> files, the file is renamed there (its
    /// inode kept for the accept path, after the barrier) instead of unlinked. False when it was not in
    /// <c>active/</c>.
    /// </summary>
    public bool RemoveDelivered(string queueId) => RemoveDelivered(queueId, fileLength: -1);

    /// <summary>
    /// As <see cref="RemoveDelivered(string)"/>, for a file whose length the caller knows (its content's
    /// length will do): only a file of at most <see cref="RecycledFileMaxBytes"/> is recycled; -1 (unknown)
    /// is unlinked.
    /// </summary>
    public bool RemoveDelivered(string queueId, long fileLength)
    {
        var path = PathOf(SpoolState.Active, queueId);
        if (RecycleCapacity > 0 && fileLength is >= 0 and <= RecycledFileMaxBytes)
        {
            if (Interlocked.Increment(ref _recycledFiles) <= RecycleCapacity && TryRecycle(path, queueId))
            {
                return true;
            }

            Interlocked.Decrement(ref _recycledFiles);
        }

        return SpoolFileCalls.TryUnlink(path);
    }

    private bool TryRecycle(string path, string queueId)
    {
        try
        {
            if (!SpoolFileCalls.TryRename(path, System.IO.Path.Combine(RecycledDirectory, queueId)))
            {
                return false;
            }
        }
        catch (IOException)
        {
            return false; // a rename refused: the file is unlinked instead
        }

        lock (_recycleLock)
        {
            _recyclePending.Enqueue((++_recycleSequence, queueId));
        }

        return true;
    }

    /// <summary>
    /// Makes the removals of <see cref="RemoveDelivered"/> durable: one fsync of <c>active/</c> (shared, as a
    /// group, with the moves out of it that run meanwhile), then their state files are removed — only
    /// then, so a message never comes back from a power loss without the state that says who has it.
    /// The files recycled before the fsync began become reusable after it (and after the fsync of
    /// <c>recycled/</c> that names them): never before their old name is durably gone.
    /// </summary>
    public async Task SyncRemovedAsync(IReadOnlyList<string> queueIds)
    {
        ArgumentNullException.ThrowIfNull(queueIds);
        long covered;
        bool anyRecycled;
        lock (_recycleLock)
        {
            covered = _recycleSequence;
            anyRecycled = _recyclePending.Count > 0;
        }

        await _directorySyncs[SpoolState.Active].FlushAsync();
        if (anyRecycled)
        {
            await _recycledDirectorySync.FlushAsync();
            var readyAt = Time.GetTimestamp();
            lock (_recycleLock)
            {
                while (_recyclePending.TryPeek(out var pending) && pending.Sequence <= covered)
                {
                    _recyclePending.Dequeue();
                    _recycleReady.Add((pending.Name, readyAt));
                }
            }
        }

        foreach (var id in queueIds)
        {
            SpoolFileCalls.TryUnlink(StatePath(id)); // nothing when it has none (one unlink: File.Delete would stat the directory after the ENOENT)
        }
    }

    /// <summary>
    /// A recycled file for the accept path to write its message over, in place in <c>recycled/</c> (where,
    /// as in <c>tmp/</c>, nothing is a message until it is published, and recovery removes everything):
    /// opened for writing without following a link, its path in <paramref name="path"/>; null when none is
    /// ready (the caller creates a new file in <c>tmp/</c>). Its old content stays past what the caller
    /// writes until the caller cuts the file to its length (<see cref="SpoolMessageWriter"/> does at the
    /// commit); <see cref="PublishAsync"/> renames it into <c>incoming/</c> under the new message's id.
    /// </summary>
    internal FileStream? OpenRecycled(out string path)
    {
        path = string.Empty;
        if (RecycleCapacity <= 0)
        {
            return null;
        }

        while (true)
        {
            string? name;
            lock (_recycleLock)
            {
                if (_recycleReady.Count == 0)
                {
                    return null;
                }

                name = _recycleReady[^1].Name;
                _recycleReady.RemoveAt(_recycleReady.Count - 1);
            }

            var file = System.IO.Path.Combine(RecycledDirectory, name);
            Interlocked.Decrement(ref _recycledFiles); // taken: the writer owns it now (it publishes or deletes it)
            try
            {
                var stream = new FileStream(SpoolFileCalls.OpenForOverwrite(file), FileAccess.ReadWrite, bufferSize: 0);
                Interlocked.Increment(ref _recycledReused);
                path = file;
                return stream;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                TryRemove(file); // gone, or not a plain file any more: never written through; the next one
            }
        }
    }

    /// <summary>
    /// Unlinks the recycled files that have waited longer than <paramref name="maxAge"/> for a new message
    /// (the orphan sweeper calls it every minute with <see cref="RecycledFileMaxAge"/>): on a quiet gateway a
    /// delivered message's octets do not stay in <c>recycled/</c> for long. Returns how many went.
    /// </summary>
    public int TrimRecycled(TimeSpan maxAge)
    {
        List<string> old;
        lock (_recycleLock)
        {
            var count = 0;
            while (count < _recycleReady.Count && Time.GetElapsedTime(_recycleReady[count].ReadyAt) >= maxAge)
            {
                count++;
            }

            if (count == 0)
            {
                return 0;
            }

            old = _recycleReady.GetRange(0, count).ConvertAll(r => r.Name);
            _recycleReady.RemoveRange(0, count);
        }

        foreach (var name in old)
        {
            TryRemove(System.IO.Path.Combine(RecycledDirectory, name));
            Interlocked.Decrement(ref _recycledFiles);
        }

        return old.Count;
    }

    private static void TryRemove(string path)
    {
        try
        {
            SpoolFileCalls.TryUnlink(path);
        }
        catch (IOException)
        {
            // Left for Recover() at the next start.
        }
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
            var bytes = File.ReadAllBytes(path);
            if (SealedFileHeader.LooksSealed(bytes))
            {
                using var reader = SealedContentReader.Open(path, Encryption?.Keys, SealedFileKind.DeliveryState, queueId);
                var plain = new byte[reader.PlainLength];
                reader.Read(0, plain);
                return JsonSerializer.Deserialize(plain, SpoolJsonContext.Default.SpoolDeliveryState);
            }

            return Encryption is { ReadPlainFiles: false } ? null : JsonSerializer.Deserialize(bytes, SpoolJsonContext.Default.SpoolDeliveryState);
        }
        catch (JsonException)
        {
            return null; // state files are replaced atomically; a broken one means a disk fault: start over
        }
        catch (SpoolDecryptionException ex)
        {
            // Altered or unreadable: the same as a broken one (recipients are tried again, never lost).
            SpoolEncryption.CountFailure(ex.Failure);
            return null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Replaces the delivery state atomically and durably (temp file, fsync, rename, directory fsync).</summary>
    public async Task WriteStateAsync(SpoolDeliveryState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var path = StatePath(state.QueueId);
        var tmp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var json = JsonSerializer.SerializeToUtf8Bytes(state, SpoolJsonContext.Default.SpoolDeliveryState);
        if (SealKey is { } key)
        {
            // Recipients and the next hop's replies (which quote addresses) are never on disk in clear.
            json = SealedFileWriter.SealToArray(key, SealedFileKind.DeliveryState, state.QueueId, json);
            SpoolEncryption.CountSealed(SealedFileKind.DeliveryState);
        }

        await using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096))
        {
            await fs.WriteAsync(json, cancellationToken);
            fs.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
        await _stateDirectorySync.FlushAsync();
    }

    private string StatePath(string queueId) => System.IO.Path.Combine(StateDirectory, queueId + ".json");
}

/// <summary>What <see cref="MessageSpool.Recover"/> found.</summary>
public sealed record SpoolRecoveryReport(int Messages, int Requeued, int TempFilesRemoved, IReadOnlyList<string> Corrupt, int OrphanStatesRemoved)
{
    /// <summary>Sealed messages whose key is not loaded: left where they are (intact), they fail with a precise error when opened.</summary>
    public int KeyMissing { get; init; }
}
