using System.Text;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>The durable spool: commit, read back, recovery after a crash, delivery view.</summary>
public sealed class SpoolTests
{
    internal static SpoolEnvelope Envelope(string id, long length) => new()
    {
        QueueId = id,
        ReceivedAt = DateTimeOffset.UtcNow,
        Sender = "a@example.test",
        Recipients = [new SpoolRecipient { Address = "b@example.test" }],
        ContentLength = length,
        PrependHeaders = "Received: by test\r\n",
    };

    private static async Task<string> AcceptAsync(MessageSpool spool, string content)
    {
        await using var w = spool.BeginMessage();
        var bytes = Encoding.ASCII.GetBytes(content);
        await w.WriteAsync(bytes, CancellationToken.None);
        await w.CommitAsync(Envelope(w.QueueId, bytes.Length), CancellationToken.None);
        return w.QueueId;
    }

    [Theory]
    [InlineData(SpoolSyncMode.GroupCommit)]
    [InlineData(SpoolSyncMode.PerFile)]
    public async Task A_committed_message_reads_back_with_its_envelope(SpoolSyncMode mode)
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path, mode);
        var id = await AcceptAsync(spool, "Subject: x\r\n\r\nbody\r\n");
        var message = spool.Open(SpoolState.Incoming, id);
        Assert.Equal("a@example.test", message.Envelope.Sender);
        using var reader = new StreamReader(message.OpenForDelivery());
        Assert.Equal("Received: by test\r\nSubject: x\r\n\r\nbody\r\n", await reader.ReadToEndAsync());
        Assert.Empty(Directory.GetFiles(spool.TempDirectory));
    }

    [Fact]
    public async Task Skip_ranges_leave_bytes_out_of_the_delivered_form()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path);
        await using var w = spool.BeginMessage();
        var content = Encoding.ASCII.GetBytes("A: 1\r\nForged: yes\r\nB: 2\r\n\r\nbody\r\n");
        await w.WriteAsync(content, CancellationToken.None);
        var env = new SpoolEnvelope
        {
            QueueId = w.QueueId, ReceivedAt = DateTimeOffset.UtcNow, Sender = "a@example.test",
            Recipients = [new SpoolRecipient { Address = "b@example.test" }], ContentLength = content.Length,
            SkipRanges = [new SpoolByteRange(6, 13)],
        };
        await w.CommitAsync(env, CancellationToken.None);
        using var reader = new StreamReader(spool.Open(SpoolState.Incoming, w.QueueId).OpenForDelivery());
        Assert.Equal("A: 1\r\nB: 2\r\n\r\nbody\r\n", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task A_message_not_committed_leaves_nothing()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path);
        await using (var w = spool.BeginMessage())
        {
            await w.WriteAsync(Encoding.ASCII.GetBytes("partial"), CancellationToken.None);
        }

        Assert.Empty(Directory.GetFiles(spool.TempDirectory));
        Assert.Empty(spool.List(SpoolState.Incoming));
    }

    [Fact]
    public async Task A_message_gets_its_temp_file_with_its_first_content_and_an_empty_one_at_its_commit()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path);
        await using (var abandoned = spool.BeginMessage())
        {
            Assert.False(abandoned.HasFile);
            Assert.Empty(Directory.GetFiles(spool.TempDirectory));
        }

        await using var w = spool.BeginMessage();
        await w.WriteAsync(Encoding.ASCII.GetBytes("A: 1\r\n\r\n"), CancellationToken.None);
        Assert.True(w.HasFile);
        Assert.Single(Directory.GetFiles(spool.TempDirectory));

        await using var empty = spool.BeginMessage();
        await empty.CommitAsync(new SpoolEnvelope { QueueId = empty.QueueId, ReceivedAt = DateTimeOffset.UtcNow, Sender = "", Recipients = [new SpoolRecipient { Address = "b@example.test" }] }, CancellationToken.None);
        Assert.Contains(empty.QueueId, spool.List(SpoolState.Incoming));
    }

    [Fact]
    public async Task A_temp_file_already_under_the_messages_id_is_never_overwritten()
    {
        // The file is created at the first write now, not when the message begins: a file that appeared
        // under the same name meanwhile (an id drawn twice) must fail this message, not be taken over.
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path);
        await using var w = spool.BeginMessage();
        var path = Path.Combine(spool.TempDirectory, w.QueueId);
        await File.WriteAllTextAsync(path, "another message's octets");
        await Assert.ThrowsAsync<IOException>(async () => await w.WriteAsync(Encoding.ASCII.GetBytes("mine"), CancellationToken.None));
        await w.DisposeAsync();
        Assert.Equal("another message's octets", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Recovery_removes_temp_files_requeues_active_and_sets_truncated_files_aside()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path);
        var good = await AcceptAsync(spool, "good\r\n");
        var active = await AcceptAsync(spool, "active\r\n");
        Assert.True(await spool.MoveAsync(active, SpoolState.Incoming, SpoolState.Active));
        var truncated = await AcceptAsync(spool, "will be cut\r\n");
        var path = spool.PathOf(SpoolState.Incoming, truncated);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..^10]);
        await File.WriteAllTextAsync(Path.Combine(spool.TempDirectory, QueueId.New()), "never acknowledged");

        var report = new MessageSpool(dir.Path).Recover();

        Assert.Equal(1, report.TempFilesRemoved);
        Assert.Equal(1, report.Requeued);
        Assert.Equal([truncated], report.Corrupt);
        Assert.Equal(new[] { good, active }.Order(StringComparer.Ordinal), spool.List(SpoolState.Incoming));
        Assert.Single(Directory.GetFiles(spool.DirectoryOf(SpoolState.Corrupt)));
    }

    [Fact]
    public async Task Delivery_state_is_replaced_atomically_and_removed_with_the_message()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path);
        var id = await AcceptAsync(spool, "x\r\n");
        Assert.Null(spool.ReadState(id));
        await spool.WriteStateAsync(new SpoolDeliveryState { QueueId = id, Attempts = 1, Recipients = [new RecipientState { Address = "b@example.test", Status = RecipientStatus.Pending }] }, CancellationToken.None);
        await spool.WriteStateAsync(new SpoolDeliveryState { QueueId = id, Attempts = 2 }, CancellationToken.None);
        Assert.Equal(2, spool.ReadState(id)!.Attempts);
        Assert.True(await spool.DeleteAsync(id, SpoolState.Incoming));
        Assert.Null(spool.ReadState(id));
        Assert.Null(spool.Locate(id));
    }

    [Fact]
    public void Queue_ids_are_unique_and_sort_by_time()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => QueueId.New()).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.True(QueueId.IsValid(id)));
        var early = QueueId.New(new FixedTime(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
        var late = QueueId.New(new FixedTime(DateTimeOffset.Parse("2026-01-01T00:00:00.001Z", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(string.CompareOrdinal(early, late) < 0);
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), QueueId.TimeOf(early));
    }

    [Fact]
    public async Task Commits_wait_for_their_sync_and_share_one_syncfs_when_both_sync_slots_are_busy()
    {
        using var dir = new TempDirectory();
        using var gate = new SemaphoreSlim(0);
        var fileSyncs = 0;
        var filesystemSyncs = 0;
        var incomingAtSyncfs = -1;
        var spool = new MessageSpool(
            dir.Path,
            SpoolSyncMode.GroupCommit,
            file =>
            {
                gate.Wait();
                RandomAccess.FlushToDisk(file);
                Interlocked.Increment(ref fileSyncs);
            },
            root =>
            {
                // Only the two commits that fsynced their own file may be visible yet; the batch's are not.
                incomingAtSyncfs = Directory.GetFiles(Path.Combine(root, "incoming")).Length;
                Interlocked.Increment(ref filesystemSyncs);
            });

        var commits = Enumerable.Range(0, 5).Select(i => Task.Run(() => AcceptAsync(spool, $"Subject: {i}\r\n\r\nbody\r\n"))).ToArray();
        for (var wait = 0; wait < 100 && Directory.GetFiles(spool.TempDirectory).Length < 5; wait++)
        {
            await Task.Delay(100);
        }

        await Task.Delay(300); // the five have written their content and are waiting for a sync

        // Both sync slots are held: no commit has returned and nothing is visible in incoming/.
        Assert.All(commits, c => Assert.False(c.IsCompleted));
        Assert.Empty(Directory.GetFiles(spool.DirectoryOf(SpoolState.Incoming)));

        gate.Release(100);
        var ids = await Task.WhenAll(commits);

        // Two commits fsynced their own file; the three that queued meanwhile shared one syncfs.
        Assert.Equal(2, fileSyncs);
        Assert.Equal(1, filesystemSyncs);
        Assert.InRange(incomingAtSyncfs, 0, 2);
        Assert.Equal(ids.Order(), Directory.GetFiles(spool.DirectoryOf(SpoolState.Incoming)).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_failed_sync_fails_the_commit_and_leaves_nothing_in_incoming()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path, SpoolSyncMode.GroupCommit, _ => throw new IOException("fsync failed: errno 5"), _ => { });
        var ex = await Assert.ThrowsAsync<IOException>(() => AcceptAsync(spool, "Subject: x\r\n\r\nbody\r\n"));
        Assert.Contains("errno 5", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(spool.DirectoryOf(SpoolState.Incoming)));
        Assert.Empty(Directory.GetFiles(spool.TempDirectory));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
