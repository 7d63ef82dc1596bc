using System.Text;
using MssGateway.Spool;

namespace MssGateway.Journal.Tests;

/// <summary>
/// Issue 17: "a message whose accept record is not on disk gets no 250". The accept record rides the
/// spool's durable barrier: these tests replace fsync(2) and syncfs(2) by a simulated disk that keeps
/// what each flush wrote back (the journal file as it was when the flush ran), so "on disk" is what a
/// flush saw, not what the page cache holds — which a SIGKILL test cannot tell apart.
/// </summary>
public sealed class AcceptRecordDurabilityTests : IDisposable
{
    private readonly JournalFixture _fixture = new();
    private readonly Lock _lock = new();
    private readonly List<string> _flushedJournal = [];
    private int _fileFsyncs;

    [Theory]
    [InlineData(1)]  // a lone accept: its own barrier
    [InlineData(24)] // accepts at once: solo slots and batches alike
    public async Task Every_commit_that_returns_has_its_accept_record_inside_a_flush_that_ran_before(int accepts)
    {
        using var journal = _fixture.Open();
        var spool = SpoolWithSimulatedDisk(journal, SpoolSyncMode.GroupCommit);

        // Each checks, the moment its commit returns (when the host would answer 250), that a flush
        // already wrote its record back.
        var ids = await Task.WhenAll(Enumerable.Range(0, accepts).Select(async _ =>
        {
            var (id, writer) = await WriteMessageAsync(spool);
            await using (writer)
            {
                await writer.CommitAsync(Envelope(id), journal.WithMessage(Record(id)), CancellationToken.None);
            }

            lock (_lock)
            {
                Assert.Contains(_flushedJournal, flushed => flushed.Contains($"\"queue_id\":\"{id}\"", StringComparison.Ordinal));
            }

            return id;
        }));

        Assert.Equal(ids.Order(StringComparer.Ordinal), spool.List(SpoolState.Incoming));
        // One barrier for both: the journal on the spool's filesystem makes every commit's barrier the
        // syncfs that covers the record, never a lone fsync of the message file beside another of the journal.
        Assert.Equal(0, _fileFsyncs);
    }

    [Fact]
    public async Task A_message_whose_accept_record_cannot_be_written_is_not_published()
    {
        using var journal = _fixture.Open();
        var spool = SpoolWithSimulatedDisk(journal, SpoolSyncMode.GroupCommit);
        var (id, writer) = await WriteMessageAsync(spool);
        await using (writer)
        {
            await Assert.ThrowsAsync<IOException>(() => writer.CommitAsync(Envelope(id), new FailingRecord(journal.Directory), CancellationToken.None));
        }

        Assert.Empty(spool.List(SpoolState.Incoming));
        Assert.Empty(System.IO.Directory.EnumerateFiles(spool.TempDirectory));
    }

    [Theory]
    [InlineData(SpoolSyncMode.GroupCommit, false)] // the journal on another filesystem: a syncfs of the spool does not cover it
    [InlineData(SpoolSyncMode.PerFile, true)]      // per-file fsyncs never cover another file
    public async Task A_journal_the_spool_barrier_does_not_cover_is_flushed_on_its_own_before_the_message_is_published(SpoolSyncMode mode, bool sameFilesystem)
    {
        using var journal = _fixture.Open();
        var spool = SpoolWithSimulatedDisk(journal, mode, sameFilesystem);
        var record = new HeldFlushRecord(journal, Record("placeholder"));
        var (id, writer) = await WriteMessageAsync(spool);
        await using (writer)
        {
            record.Record.QueueId = id;
            var commit = writer.CommitAsync(Envelope(id), record, CancellationToken.None);
            await record.FlushRequested.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(commit.IsCompleted);
            Assert.Empty(spool.List(SpoolState.Incoming)); // no rename (so no 250) before the record's own flush

            record.Release.SetResult();
            await commit.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(id, Assert.Single(spool.List(SpoolState.Incoming)));
        Assert.Contains(id, File.ReadAllText(journal.CurrentFile), StringComparison.Ordinal);
    }

    [Fact]
    public void The_filesystem_check_tells_one_filesystem_from_another()
    {
        Assert.True(DirectoryFsync.SameFilesystem(_fixture.Combine(), Path.GetTempPath()));
        Assert.False(DirectoryFsync.SameFilesystem(_fixture.Combine(), "/proc"));
        Assert.False(DirectoryFsync.SameFilesystem(_fixture.Combine(), _fixture.Combine("no such directory")));
    }

    public void Dispose() => _fixture.Dispose();

    private MessageSpool SpoolWithSimulatedDisk(ExchangeJournal journal, SpoolSyncMode mode, bool? sameFilesystem = null) => new(
        _fixture.Combine("spool"),
        mode,
        file =>
        {
            Interlocked.Increment(ref _fileFsyncs);
            RandomAccess.FlushToDisk(file);
        },
        _ =>
        {
            // A syncfs writes back every dirty page of the filesystem: the journal as it is now.
            var flushed = File.ReadAllText(journal.CurrentFile);
            lock (_lock)
            {
                _flushedJournal.Add(flushed);
            }
        },
        sameFilesystem: sameFilesystem is null ? null : (_, _) => sameFilesystem.Value);

    private static async Task<(string Id, SpoolMessageWriter Writer)> WriteMessageAsync(MessageSpool spool)
    {
        var writer = spool.BeginMessage();
        await writer.WriteAsync(Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n"), CancellationToken.None);
        return (writer.QueueId, writer);
    }

    private static SpoolEnvelope Envelope(string id) => new()
    {
        QueueId = id,
        ReceivedAt = DateTimeOffset.UtcNow,
        Sender = "dr.house@hopital-a.mssante.test",
        Recipients = [new SpoolRecipient { Address = "patient.care@hopital-b.mssante.test" }],
    };

    private static JournalRecord Record(string id)
    {
        var record = JournalFixture.Accept(0);
        record.QueueId = id;
        return record;
    }

    /// <summary>An accept record whose own flush waits until the test releases it.</summary>
    private sealed class HeldFlushRecord(ExchangeJournal journal, JournalRecord record) : SpoolCommitCompanion
    {
        public JournalRecord Record { get; } = record;

        public TaskCompletionSource FlushRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string Directory => journal.Directory;

        public override void Write() => journal.Append(Record);

        public override async Task FlushAsync()
        {
            FlushRequested.SetResult();
            await Release.Task;
            await journal.FlushAsync();
        }
    }

    /// <summary>A journal write that fails (a full disk, an I/O error).</summary>
    private sealed class FailingRecord(string directory) : SpoolCommitCompanion
    {
        public override string Directory => directory;

        public override void Write() => throw new IOException("No space left on device");

        public override Task FlushAsync() => Task.CompletedTask;
    }
}
