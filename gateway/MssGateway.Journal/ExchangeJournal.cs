using System.Buffers;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using MssGateway.Directory;
using MssGateway.Spool;

namespace MssGateway.Journal;

/// <summary>
/// The tamper-evident exchange journal of one gateway instance (issue 17 point 2; the idea of RFC 6962's
/// append-only logs applied to mail traces): JSON lines appended to <c>journal-*.jsonl</c>, each carrying
/// the SHA-256 of the line before, a checkpoint signed with ECDSA P-256 every
/// <see cref="JournalOptions.CheckpointEveryRecords"/> records or <see cref="JournalOptions.CheckpointInterval"/>,
/// files rotated by size and age (the first record of a file links to the last of the one before, the
/// last is a final checkpoint) and deleted after <see cref="JournalOptions.Retention"/> (a retention record
/// names what went). Appends are written at once under one lock (sequence and chain are one order). An
/// accept record rides the spool's durable barrier (<see cref="WithMessage"/>: the syncfs that makes the
/// message durable covers the journal file on the same filesystem); otherwise appends are made durable
/// by group commit: every caller of <see cref="AppendDurableAsync"/> waiting at the same time shares one fsync. At start the last file is read back: a record torn by a crash (no line feed:
/// its fsync never completed, so nobody was told it was on disk) is cut off and a recovery record says
/// so; then a checkpoint signs what survived. A chain has one writer, by construction: <see cref="Open"/> takes
/// the instance's <see cref="JournalWriterLock"/> (a second gateway on the same instance is refused,
/// <see cref="JournalInUseException"/>; the queue CLI waits its turn with <see cref="OpenAsync"/> on its own
/// instance, <see cref="CliInstanceOf"/>), held until <see cref="Dispose"/> or the process's end.
/// </summary>
public sealed partial class ExchangeJournal : BackgroundService, IExchangeJournal
{
    private readonly JournalOptions _options;
    private JournalSigner? _signer;
    private JournalWriterLock? _writer;
    private readonly AddressRedactor _redactor;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _records;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _repairs;
    private readonly Lock _lock = new();
    private readonly Lock _flushLock = new();
    private readonly List<SafeFileHandle> _retired = [];
    private readonly ArrayBufferWriter<byte> _line = new(2048); // one record serialised at a time, under _lock
    private Utf8JsonWriter? _json;
    private SafeFileHandle _handle = null!;
    private string _file = string.Empty;
    private bool _opened;
    private long _offset;
    private long _seq;
    private string _prev = JournalFiles.Genesis;
    private int _sinceCheckpoint;
    private int _recordsInFile;
    private DateTimeOffset _lastCheckpoint;
    private DateTimeOffset _fileOpened;
    private bool _dirty;
    private int _flushers;
    private TaskCompletionSource? _pendingFlush;
    private bool _flushRunning;

    public ExchangeJournal(JournalOptions options, string root, string instance, AddressRedactor redactor, TimeProvider? time = null, ILogger<ExchangeJournal>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(instance);
        _options = options;
        _redactor = redactor ?? throw new ArgumentNullException(nameof(redactor));
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create("MssGateway") ?? new Meter("MssGateway");
        _records = _meter.CreateCounter<long>("mssgw_journal_records_total", description: "Records appended to the exchange journal, by kind.");
        _failures = _meter.CreateCounter<long>("mssgw_journal_verify_failures_total", description: "Journal chains found broken when the gateway read its journal back at start (tampering or a disk fault).");
        _repairs = _meter.CreateCounter<long>("mssgw_journal_torn_records_total", description: "Records torn by a crash and cut off at start (never acknowledged).");
        Instance = instance;
        Directory = System.IO.Path.Combine(System.IO.Path.GetFullPath(root), JournalFiles.SafeInstance(instance));
    }

    /// <summary>
    /// Loads the signing key, reads the last file back (repairing a torn record) and opens it for
    /// appending. Separate from the constructor so the host validates the options first and opens
    /// the journal after the spool's recovery, before the first session.
    /// </summary>
    /// <exception cref="JournalInUseException">Another process writes this instance's journal (a journal has one writer).</exception>
    public void Open()
    {
        lock (_lock)
        {
            if (_opened)
            {
                return;
            }

            var writer = JournalWriterLock.TryAcquire(Directory, out var holder) ?? throw new JournalInUseException(Instance, Directory, holder, TimeSpan.Zero);
            OpenLocked(writer);
        }
    }

    /// <summary>
    /// <see cref="Open"/> for a writer that may wait its turn (<c>mssgw queue</c>: a second run beside a
    /// first waits up to <paramref name="lockWait"/> for it to finish, then gets <see cref="JournalInUseException"/>).
    /// </summary>
    public async Task OpenAsync(TimeSpan lockWait, CancellationToken cancellationToken)
    {
        var writer = await JournalWriterLock.AcquireAsync(Directory, Instance, lockWait, _time, cancellationToken);
        lock (_lock)
        {
            if (_opened)
            {
                writer.Dispose();
                return;
            }

            OpenLocked(writer);
        }
    }

    /// <summary>The suffix of the instance the queue CLI of instance <c>X</c> writes to: <c>X-cli</c> (<see cref="CliInstanceOf"/>).</summary>
    public const string CliInstanceSuffix = "-cli";

    /// <summary>
    /// The journal instance of <c>mssgw queue</c> run beside gateway instance <paramref name="gatewayInstance"/>:
    /// its own chain (a chain has one writer, and the CLI is another process), under the same root, so
    /// <c>journal verify</c> and <c>export</c> take it with the others.
    /// </summary>
    public static string CliInstanceOf(string gatewayInstance) => gatewayInstance + CliInstanceSuffix;

    private void OpenLocked(JournalWriterLock writer)
    {
        try
        {
            _signer = JournalSigner.Load(_options.SigningKeyFile ?? throw new InvalidOperationException($"{JournalOptions.Section}:SigningKeyFile is not set."));
            (_handle, _file) = OpenAtStart();
            _writer = writer;
            _opened = true;
        }
        catch
        {
            writer.Dispose();
            _signer?.Dispose();
            _signer = null;
            throw;
        }
    }

    /// <summary>The instance (pod) whose journal this is.</summary>
    public string Instance { get; }

    /// <summary>The directory of this instance's journal files.</summary>
    public string Directory { get; }

    /// <summary>The file records go to now.</summary>
    public string CurrentFile
    {
        get
        {
            lock (_lock)
            {
                return _file;
            }
        }
    }

    /// <summary>The key id of the checkpoints' signing key.</summary>
    public string KeyId => Signer.KeyId;

    private JournalSigner Signer => _signer ?? throw new InvalidOperationException("The exchange journal is not open (call Open first).");

    public void Append(JournalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            if (!_opened)
            {
                throw new InvalidOperationException("The exchange journal is not open (call Open first).");
            }

            Write(Redact(record));
            if (_sinceCheckpoint >= _options.CheckpointEveryRecords)
            {
                Checkpoint(final: false);
            }

            if (_offset >= _options.RotateAfterBytes || (_time.GetUtcNow() - _fileOpened >= _options.RotateAfter && _recordsInFile > 2))
            {
                Rotate();
            }
        }

        _records.Add(1, new KeyValuePair<string, object?>("kind", KindLabel(record.Kind)));
    }

    public Task AppendDurableAsync(JournalRecord record, CancellationToken cancellationToken)
    {
        Append(record);
        return FlushAsync();
    }

    public SpoolCommitCompanion WithMessage(JournalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new JournalCommitCompanion(this, record);
    }

    /// <summary>
    /// Makes every record appended so far durable: one fsync shared by every caller waiting meanwhile
    /// (group commit). A caller's task completes only after an fsync that started after its call.
    /// </summary>
    public Task FlushAsync()
    {
        if (!_opened)
        {
            return Task.CompletedTask;
        }

        lock (_flushLock)
        {
            if (_pendingFlush is not null)
            {
                return _pendingFlush.Task;
            }

            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_flushRunning)
            {
                _pendingFlush = completion;
            }
            else
            {
                _flushRunning = true;
                ThreadPool.UnsafeQueueUserWorkItem(_ => RunFlushes(completion), null);
            }

            return completion.Task;
        }
    }

    /// <summary>The housekeeping of one tick: flush, checkpoint when due, rotation by age, retention.</summary>
    public async Task TickAsync()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_opened)
            {
                return;
            }

            if (_sinceCheckpoint > 0 && now - _lastCheckpoint >= _options.CheckpointInterval)
            {
                Checkpoint(final: false);
            }

            if (now - _fileOpened >= _options.RotateAfter && _recordsInFile > 2)
            {
                Rotate();
            }

            ApplyRetention(now);
        }

        if (_dirty)
        {
            await FlushAsync();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        lock (_lock)
        {
            if (!_opened)
            {
                return;
            }

            if (_sinceCheckpoint > 0)
            {
                Checkpoint(final: false); // what this run wrote is signed before it stops
            }
        }

        await FlushAsync();
    }

    public override void Dispose()
    {
        lock (_lock)
        {
            _json?.Dispose();
            _handle?.Dispose();
            foreach (var h in _retired)
            {
                h.Dispose();
            }

            _writer?.Dispose(); // last: the next writer starts after this one's last byte
        }

        _signer?.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }

        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await TickAsync();
                }
                catch (IOException ex)
                {
                    HousekeepingFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync signs and flushes.
        }
    }

    private static string KindLabel(JournalRecordKind kind) => JsonSerializer.Serialize(kind, JournalJsonContext.Default.JournalRecordKind).Trim('"');

    private JournalRecord Redact(JournalRecord r)
    {
        // The one place addresses are rendered: a caller cannot put one in clear when hashing is on.
        r.Sender = r.Sender is null ? null : _redactor.Render(r.Sender);
        r.Recipients = r.Recipients?.Select(_redactor.Render).ToArray();
        r.ClientSubject = _redactor.RedactText(r.ClientSubject);
        r.RemoteReply = _redactor.RedactText(r.RemoteReply);
        r.Reason = _redactor.RedactText(r.Reason);
        r.Request = _redactor.RedactText(r.Request);
        return r;
    }

    /// <summary>Serialises, chains and writes one record (under <see cref="_lock"/>).</summary>
    private void Write(JournalRecord record)
    {
        record.Seq = ++_seq;
        record.Instance = Instance;
        record.Prev = _prev;
        if (record.Time == default)
        {
            record.Time = _time.GetUtcNow();
        }

        // Serialised into one reused buffer (the accept path runs this once per message): no array per record.
        _line.ResetWrittenCount();
        if (_json is null)
        {
            _json = new Utf8JsonWriter(_line);
        }
        else
        {
            _json.Reset(_line);
        }

        JsonSerializer.Serialize(_json, record, JournalJsonContext.Default.JournalRecord);
        _json.Flush();
        var hash = JournalFiles.Hash(_line.WrittenSpan);
        _line.GetSpan(1)[0] = (byte)'\n';
        _line.Advance(1);
        RandomAccess.Write(_handle, _line.WrittenSpan, _offset);
        _offset += _line.WrittenCount;
        _prev = hash;
        _sinceCheckpoint++;
        _recordsInFile++;
        _dirty = true;
    }

    private void Checkpoint(bool final)
    {
        var seq = _seq + 1;
        Write(new JournalRecord
        {
            Kind = JournalRecordKind.Checkpoint,
            KeyId = Signer.KeyId,
            Signature = Signer.Sign(Instance, seq, _prev),
            Final = final ? true : null,
            LastSeq = _seq,
        });
        _sinceCheckpoint = 0;
        _lastCheckpoint = _time.GetUtcNow();
    }

    /// <summary>Closes the current file with a final checkpoint and opens the next, linked to it.</summary>
    private void Rotate()
    {
        Checkpoint(final: true);
        RandomAccess.FlushToDisk(_handle);
        var previous = System.IO.Path.GetFileName(_file);
        var next = System.IO.Path.Combine(Directory, JournalFiles.NameFor(_seq + 1));
        var handle = File.OpenHandle(next, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        lock (_flushLock)
        {
            _retired.Add(_handle);
            _handle = handle;
            DisposeRetired();
        }

        _file = next;
        _offset = 0;
        _recordsInFile = 0;
        _fileOpened = _time.GetUtcNow();
        Write(new JournalRecord { Kind = JournalRecordKind.FileOpened, File = previous });
        FlushDirectory();
    }

    private void ApplyRetention(DateTimeOffset now)
    {
        var cutoff = (now - _options.Retention).UtcDateTime;
        foreach (var file in JournalFiles.List(Directory))
        {
            if (string.Equals(file, _file, StringComparison.Ordinal) || File.GetLastWriteTimeUtc(file) >= cutoff)
            {
                break; // oldest first: the first one kept ends the sweep
            }

            var lines = JournalLine.Read(file, File.ReadAllBytes(file), out _);
            var last = lines.LastOrDefault();
            Write(new JournalRecord
            {
                Kind = JournalRecordKind.Retention,
                File = System.IO.Path.GetFileName(file),
                LastSeq = last?.Record?.Seq,
                LastHash = last?.Hash,
                Detail = $"deleted after the retention of {_options.Retention.TotalDays:0} days",
            });
            RandomAccess.FlushToDisk(_handle); // the record that says so is on disk before the file goes
            File.Delete(file);
            RetentionApplied(_logger, System.IO.Path.GetFileName(file), last?.Record?.Seq ?? 0);
        }
    }

    /// <summary>Reads the last file back (sequence, chain head), cuts a torn record off, and opens it for appending.</summary>
    private (SafeFileHandle Handle, string File) OpenAtStart()
    {
        var files = JournalFiles.List(Directory);
        _prev = JournalFiles.Genesis;
        var now = _time.GetUtcNow();
        _lastCheckpoint = now;
        _fileOpened = now;
        if (files.Count == 0)
        {
            var first = System.IO.Path.Combine(Directory, JournalFiles.NameFor(1));
            _handle = File.OpenHandle(first, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
            _file = first;
            Write(new JournalRecord { Kind = JournalRecordKind.FileOpened });
            Checkpoint(final: false);
            RandomAccess.FlushToDisk(_handle);
            FlushDirectory();
            return (_handle, _file);
        }

        var path = files[^1];
        var bytes = File.ReadAllBytes(path);
        var lines = JournalLine.Read(path, bytes, out var torn);
        var broken = 0;
        string? expected = null;
        foreach (var line in lines)
        {
            if (line.Record is null || (expected is not null && line.Record.Prev != expected))
            {
                broken++;
            }

            expected = line.Hash;
        }

        var last = lines.LastOrDefault(l => l.Record is not null);
        _seq = last?.Record?.Seq ?? 0;
        _prev = lines.Count > 0 ? lines[^1].Hash : JournalFiles.Genesis;
        var validEnd = bytes.Length - torn.Length;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        _file = path;
        _offset = validEnd;
        _fileOpened = new DateTimeOffset(File.GetCreationTimeUtc(path), TimeSpan.Zero) is var created && created > now ? now : created;
        if (torn.Length > 0)
        {
            RandomAccess.SetLength(_handle, validEnd);
            RandomAccess.FlushToDisk(_handle);
            _repairs.Add(1);
            TornRecordRemoved(_logger, System.IO.Path.GetFileName(path), validEnd, torn.Length);
            Write(new JournalRecord
            {
                Kind = JournalRecordKind.Recovery,
                Detail = $"torn last record cut off at start: {torn.Length} octets at offset {validEnd} (sha256 {JournalFiles.Hash(torn.Span)}), written when the gateway stopped abruptly; never acknowledged",
            });
        }

        if (broken > 0)
        {
            _failures.Add(broken);
            ChainBroken(_logger, System.IO.Path.GetFileName(path), broken);
            Write(new JournalRecord { Kind = JournalRecordKind.Recovery, Detail = $"{broken} records of {System.IO.Path.GetFileName(path)} do not chain: run mssgw journal verify" });
        }

        Checkpoint(final: false);
        RandomAccess.FlushToDisk(_handle);
        _dirty = false;
        return (_handle, _file);
    }

    private void RunFlushes(TaskCompletionSource completion)
    {
        while (true)
        {
            try
            {
                SafeFileHandle handle;
                lock (_flushLock)
                {
                    handle = _handle;
                    _flushers++;
                    _dirty = false;
                }

                try
                {
                    RandomAccess.FlushToDisk(handle);
                }
                finally
                {
                    lock (_flushLock)
                    {
                        _flushers--;
                        DisposeRetired();
                    }
                }

                completion.SetResult();
            }
            catch (Exception ex)
            {
                // The waiting accepts must hear of it (no 250 without the record on disk).
                completion.SetException(ex);
            }

            lock (_flushLock)
            {
                if (_pendingFlush is null)
                {
                    _flushRunning = false;
                    return;
                }

                completion = _pendingFlush;
                _pendingFlush = null;
            }
        }
    }

    private void DisposeRetired()
    {
        if (_flushers == 0)
        {
            foreach (var h in _retired)
            {
                h.Dispose();
            }

            _retired.Clear();
        }
    }

    /// <summary>fsync of the instance directory, so a new file's entry survives a power loss (the spool's own helper).</summary>
    private void FlushDirectory() => MssGateway.Spool.DirectoryFsync.Flush(Directory);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Warning, EventName = "JournalTornRecordRemoved",
        Message = "journal {File}: a record torn by an abrupt stop was cut off at offset {Offset} ({Length} octets); it was never acknowledged")]
    private static partial void TornRecordRemoved(ILogger logger, string file, long offset, int length);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Error, EventName = "JournalChainBroken",
        Message = "journal {File}: {Count} records do not chain (altered, removed or reordered); run mssgw journal verify")]
    private static partial void ChainBroken(ILogger logger, string file, int count);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Information, EventName = "JournalRetentionApplied",
        Message = "journal {File} deleted by retention (last record {LastSeq})")]
    private static partial void RetentionApplied(ILogger logger, string file, long lastSeq);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Error, EventName = "JournalHousekeepingFailed",
        Message = "journal housekeeping (checkpoint, rotation, retention) failed")]
    private static partial void HousekeepingFailed(ILogger logger, Exception error);
}
