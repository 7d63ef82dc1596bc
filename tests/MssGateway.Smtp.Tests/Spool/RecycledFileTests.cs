using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using MssGateway.Spool;
using MssGateway.Spool.Encryption;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// Recycled files (issue 13, the delivery's file-system cost): a delivered message's file is written over
/// by a later accepted message, never before its removal from <c>active/</c> is durable, never leaving an
/// octet of the old message in the new one, never through a link planted under its name.
/// </summary>
public sealed class RecycledFileTests
{
    private const string Secret = "PATIENT-SECRET-";

    private static SpoolEnvelope Envelope(string id, long length) => SpoolTests.Envelope(id, length);

    private static async Task<(string Id, bool Recycled)> AcceptAsync(MessageSpool spool, string content)
    {
        await using var w = spool.BeginMessage();
        var bytes = Encoding.ASCII.GetBytes(content);
        await w.WriteAsync(bytes, CancellationToken.None);
        await w.CommitAsync(Envelope(w.QueueId, bytes.Length), CancellationToken.None);
        return (w.QueueId, w.IsRecycled);
    }

    /// <summary>Accepts, claims and removes a message as a delivery pass does; the barrier is the caller's.</summary>
    private static async Task<(string Id, ulong Inode)> DeliverAsync(MessageSpool spool, string content)
    {
        var (id, _) = await AcceptAsync(spool, content);
        var inode = Inode(spool.PathOf(SpoolState.Incoming, id));
        Assert.True(spool.Claim(id, SpoolState.Incoming));
        Assert.True(spool.RemoveDelivered(id, content.Length));
        Assert.False(File.Exists(spool.PathOf(SpoolState.Active, id)));
        return (id, inode);
    }

    private static ulong Inode(string path)
    {
        using var handle = File.OpenHandle(path);
        return SpoolFileStamp.Of(handle).Inode;
    }

    private static string Big(int length) => string.Concat(Enumerable.Repeat(Secret, (length / Secret.Length) + 1))[..length];

    [Fact]
    public async Task A_delivered_file_is_not_written_over_before_the_barrier_makes_its_removal_durable()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path) { RecycleCapacity = 16 };
        var (delivered, inode) = await DeliverAsync(spool, "Subject: old\r\n\r\nold body\r\n");

        // Before the barrier: the name may still come back after a power loss, so its inode must not carry new content.
        var (early, earlyRecycled) = await AcceptAsync(spool, "Subject: new\r\n\r\nnew body\r\n");
        Assert.False(earlyRecycled);
        Assert.NotEqual(inode, Inode(spool.PathOf(SpoolState.Incoming, early)));
        Assert.Equal(1, spool.RecycledFiles);

        await spool.SyncRemovedAsync([delivered]);
        var (late, lateRecycled) = await AcceptAsync(spool, "Subject: later\r\n\r\nlater body\r\n");
        Assert.True(lateRecycled);
        Assert.Equal(inode, Inode(spool.PathOf(SpoolState.Incoming, late)));
        Assert.Equal(0, spool.RecycledFiles);
        Assert.Equal(1, spool.RecycledReused);
        Assert.Empty(Directory.GetFiles(spool.RecycledDirectory));
        Assert.Empty(Directory.GetFiles(spool.TempDirectory));
    }

    [Fact]
    public async Task A_barrier_only_frees_the_files_recycled_before_it_began()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path) { RecycleCapacity = 16 };
        var (first, _) = await DeliverAsync(spool, "first\r\n");
        var barrier = spool.SyncRemovedAsync([first]);
        var (second, _) = await DeliverAsync(spool, "second\r\n"); // removed while (or after) the first barrier ran
        await barrier;

        var (_, reused) = await AcceptAsync(spool, "takes the first\r\n");
        Assert.True(reused);
        var (_, notYet) = await AcceptAsync(spool, "the second is not durable yet\r\n");
        Assert.False(notYet);
        await spool.SyncRemovedAsync([second]);
        var (_, now) = await AcceptAsync(spool, "takes the second\r\n");
        Assert.True(now);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_short_message_written_over_a_long_one_keeps_none_of_its_octets(bool sealedSpool)
    {
        using var dir = new TempDirectory();
        var encryption = sealedSpool ? new SpoolEncryption(new SpoolKeyRing(SpoolKey.FromBytes(RandomNumberGenerator.GetBytes(32), "k")), sealNewFiles: true) : null;
        var spool = new MessageSpool(dir.Path, SpoolSyncMode.GroupCommit, encryption) { RecycleCapacity = 16 };
        var (old, _) = await DeliverAsync(spool, "Subject: x\r\n\r\n" + Big(200_000) + "\r\n");
        await spool.SyncRemovedAsync([old]);

        await using var w = spool.BeginMessage();
        var content = Encoding.ASCII.GetBytes("Subject: short\r\n\r\nhello\r\n");
        await w.WriteAsync(content, CancellationToken.None);
        Assert.True(w.IsRecycled);
        // The end-of-data policy's view of what was written so far: this message only, though the file is still long.
        using (var partial = new StreamReader(w.OpenContentForRead()))
        {
            Assert.Equal("Subject: short\r\n\r\nhello\r\n", await partial.ReadToEndAsync());
        }

        await w.CommitAsync(Envelope(w.QueueId, content.Length), CancellationToken.None);
        var path = spool.PathOf(SpoolState.Incoming, w.QueueId);
        var raw = await File.ReadAllBytesAsync(path);
        Assert.True(raw.Length < 1_000, $"the file kept {raw.Length} octets");
        Assert.DoesNotContain(Secret, Encoding.ASCII.GetString(raw), StringComparison.Ordinal);
        var message = spool.Open(SpoolState.Incoming, w.QueueId);
        using var reader = new StreamReader(message.OpenForDelivery());
        Assert.Equal("Received: by test\r\nSubject: short\r\n\r\nhello\r\n", await reader.ReadToEndAsync());
        // And recovery judges the rewritten file by its own footer.
        Assert.Empty(new MessageSpool(dir.Path, SpoolSyncMode.GroupCommit, encryption).Recover().Corrupt);
    }

    [Fact]
    public async Task Recovery_removes_recycled_files_and_forgets_them()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path) { RecycleCapacity = 16 };
        var (a, _) = await DeliverAsync(spool, "a\r\n");
        var (b, _) = await DeliverAsync(spool, "b\r\n");
        await spool.SyncRemovedAsync([a, b]);
        Assert.Equal(2, Directory.GetFiles(spool.RecycledDirectory).Length);

        var report = spool.Recover(); // the same spool object: what it remembered must go with the files
        Assert.Equal(0, report.Messages);
        Assert.Empty(Directory.GetFiles(spool.RecycledDirectory));
        Assert.Equal(0, spool.RecycledFiles);
        var (_, recycled) = await AcceptAsync(spool, "after recovery\r\n");
        Assert.False(recycled);
        Assert.Empty(spool.List(SpoolState.Active));
    }

    [Fact]
    public async Task The_capacity_and_the_size_bound_unlink_the_rest()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path) { RecycleCapacity = 2 };
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await DeliverAsync(spool, $"message {i}\r\n")).Id);
        }

        Assert.Equal(2, Directory.GetFiles(spool.RecycledDirectory).Length);
        Assert.Equal(2, spool.RecycledFiles);
        await spool.SyncRemovedAsync(ids);
        Assert.Equal(2, spool.RecycledFiles);

        // A large message is never kept (recycled/ holds at most capacity × 1 MiB); an unknown length neither.
        var (big, bigReused) = await AcceptAsync(spool, Big((int)MessageSpool.RecycledFileMaxBytes + 1));
        Assert.True(bigReused); // written over a small one: the file grows as a new one would
        Assert.Equal(1, spool.RecycledFiles);
        Assert.True(spool.Claim(big, SpoolState.Incoming));
        Assert.True(spool.RemoveDelivered(big, MessageSpool.RecycledFileMaxBytes + 1));
        Assert.Single(Directory.GetFiles(spool.RecycledDirectory));
        var (unknown, _) = await AcceptAsync(spool, "length unknown\r\n");
        Assert.True(spool.Claim(unknown, SpoolState.Incoming));
        Assert.True(spool.RemoveDelivered(unknown));
        Assert.Empty(Directory.GetFiles(spool.RecycledDirectory));
        Assert.Equal(0, spool.RecycledFiles);

        // Off: every delivered file is unlinked.
        var off = new MessageSpool(Path.Combine(dir.Path, "off"));
        var (gone, _) = await DeliverAsync(off, "x\r\n");
        await off.SyncRemovedAsync([gone]);
        Assert.Empty(Directory.GetFiles(off.RecycledDirectory));
    }

    [Fact]
    public async Task A_link_planted_under_a_recycled_name_is_never_written_through()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path) { RecycleCapacity = 16 };
        var (id, _) = await DeliverAsync(spool, "delivered\r\n");
        await spool.SyncRemovedAsync([id]);
        var victim = Path.Combine(dir.Path, "victim");
        await File.WriteAllTextAsync(victim, "must stay");
        var recycled = Path.Combine(spool.RecycledDirectory, id);
        File.Delete(recycled);
        File.CreateSymbolicLink(recycled, victim);

        var (accepted, reused) = await AcceptAsync(spool, "Subject: mine\r\n\r\nbody\r\n");
        Assert.False(reused); // a new file instead
        Assert.Equal("must stay", await File.ReadAllTextAsync(victim));
        Assert.False(File.Exists(recycled)); // the link is removed (not its target)
        Assert.Equal(0, spool.RecycledFiles);
        using var reader = new StreamReader(spool.Open(SpoolState.Incoming, accepted).OpenForDelivery());
        Assert.Equal("Received: by test\r\nSubject: mine\r\n\r\nbody\r\n", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task A_queue_id_drawn_twice_fails_the_recycled_message_at_its_publish_and_overwrites_nothing()
    {
        // A recycled file is written where it is, not under tmp/<id>: the id drawn twice is caught by the
        // publish (renameat2 RENAME_NOREPLACE), never by an overwrite of the message already there.
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path) { RecycleCapacity = 16 };
        var (id, _) = await DeliverAsync(spool, "delivered\r\n");
        await spool.SyncRemovedAsync([id]);

        await using (var w = spool.BeginMessage())
        {
            var content = Encoding.ASCII.GetBytes("mine\r\n");
            await w.WriteAsync(content, CancellationToken.None);
            Assert.True(w.IsRecycled);
            var taken = spool.PathOf(SpoolState.Incoming, w.QueueId);
            await File.WriteAllTextAsync(taken, "another message's octets");
            await Assert.ThrowsAsync<IOException>(() => w.CommitAsync(Envelope(w.QueueId, content.Length), CancellationToken.None));
            await w.DisposeAsync();
            Assert.Equal("another message's octets", await File.ReadAllTextAsync(taken));
        }

        Assert.Empty(Directory.GetFiles(spool.RecycledDirectory)); // the failed message's file went with it
        Assert.Empty(Directory.GetFiles(spool.TempDirectory));
        Assert.Equal(0, spool.RecycledFiles);
    }

    [Fact]
    public async Task A_recycled_file_a_session_is_writing_is_never_trimmed_nor_swept()
    {
        // A slow session holds its (recycled) file for minutes: neither the minute's trim of recycled/ nor the
        // orphan sweep of tmp/ may take it from under the writer.
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var spool = new MessageSpool(dir.Path) { RecycleCapacity = 16, Time = clock };
        var (id, _) = await DeliverAsync(spool, "delivered\r\n");
        await spool.SyncRemovedAsync([id]);
        using var sweeper = new SpoolOrphanSweeper(spool, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), clock);

        await using var w = spool.BeginMessage();
        var content = Encoding.ASCII.GetBytes("a session's first block\r\n");
        await w.WriteAsync(content, CancellationToken.None);
        Assert.True(w.IsRecycled);
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, sweeper.SweepOnce());
        Assert.Equal(0, spool.TrimRecycled(TimeSpan.Zero));
        Assert.True(File.Exists(Path.Combine(spool.RecycledDirectory, id)));
        await w.CommitAsync(Envelope(w.QueueId, content.Length), CancellationToken.None);
        using var reader = new StreamReader(spool.Open(SpoolState.Incoming, w.QueueId).OpenForDelivery());
        Assert.Equal("Received: by test\r\na session's first block\r\n", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task An_abandoned_transfer_in_a_recycled_file_leaves_nothing()
    {
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path) { RecycleCapacity = 16 };
        var (id, _) = await DeliverAsync(spool, Big(50_000));
        await spool.SyncRemovedAsync([id]);
        await using (var w = spool.BeginMessage())
        {
            await w.WriteAsync(Encoding.ASCII.GetBytes("partial"), CancellationToken.None);
            Assert.True(w.IsRecycled);
        }

        Assert.Empty(Directory.GetFiles(spool.TempDirectory));
        Assert.Empty(Directory.GetFiles(spool.RecycledDirectory));
        Assert.Empty(spool.List(SpoolState.Incoming));
        Assert.Equal(0, spool.RecycledFiles);
    }

    [Fact]
    public async Task A_recycled_file_no_message_takes_is_unlinked_by_the_sweep_after_a_minute()
    {
        // On a quiet gateway a delivered message's octets must not stay in recycled/ until the next message comes.
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var spool = new MessageSpool(dir.Path) { RecycleCapacity = 16, Time = clock };
        var (old, _) = await AcceptAsync(spool, "old\r\n");
        var (young, _) = await AcceptAsync(spool, "young\r\n");
        Assert.True(spool.Claim(old, SpoolState.Incoming));
        Assert.True(spool.Claim(young, SpoolState.Incoming));
        Assert.True(spool.RemoveDelivered(old, 5));
        await spool.SyncRemovedAsync([old]);
        clock.Advance(TimeSpan.FromSeconds(40));
        Assert.True(spool.RemoveDelivered(young, 7));
        await spool.SyncRemovedAsync([young]);
        using var sweeper = new SpoolOrphanSweeper(spool, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), clock);

        clock.Advance(TimeSpan.FromSeconds(19));
        sweeper.SweepOnce();
        Assert.Equal(2, Directory.GetFiles(spool.RecycledDirectory).Length);
        clock.Advance(TimeSpan.FromSeconds(1));
        sweeper.SweepOnce();
        Assert.Equal([Path.Combine(spool.RecycledDirectory, young)], Directory.GetFiles(spool.RecycledDirectory));
        Assert.Equal(1, spool.RecycledFiles);
        clock.Advance(TimeSpan.FromSeconds(40));
        sweeper.SweepOnce();
        Assert.Empty(Directory.GetFiles(spool.RecycledDirectory));
        Assert.Equal(0, spool.RecycledFiles);
        var (_, reused) = await AcceptAsync(spool, "nothing left to take\r\n");
        Assert.False(reused);
    }

    [Fact]
    public async Task Accepting_and_delivering_at_once_over_recycled_files_delivers_every_message_with_its_own_octets_and_a_crash_loses_none()
    {
        // Messages of mixed lengths (each longer or shorter than the file it lands in), accepted while others are
        // delivered and their files handed back; the run is cut off mid-way as a SIGKILL would (nothing cleaned up)
        // and a new spool recovers: each delivered message read back exactly what was sent under its id, and what
        // was accepted but not delivered is all in incoming/, intact.
        using var dir = new TempDirectory();
        var spool = new MessageSpool(dir.Path) { RecycleCapacity = 8 };
        var bodies = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var delivered = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var random = new Random(1302);
        var lengths = Enumerable.Range(0, 600).Select(_ => random.Next(40, 60_000)).ToArray();
        using var cut = new CancellationTokenSource();

        var accept = Task.Run(async () =>
        {
            for (var i = 0; i < lengths.Length && !cut.IsCancellationRequested; i++)
            {
                await using var w = spool.BeginMessage();
                var body = $"Subject: m{i}\r\n\r\n{w.QueueId} " + new string((char)('a' + (i % 26)), lengths[i]) + "\r\n";
                bodies[w.QueueId] = body;
                var bytes = Encoding.ASCII.GetBytes(body);
                await w.WriteAsync(bytes, CancellationToken.None);
                await w.CommitAsync(Envelope(w.QueueId, bytes.Length), CancellationToken.None);
                if (i == 200)
                {
                    // On a loaded machine the deliverer may not have run yet: let it take a hundred first, so the
                    // rest is accepted over files it hands back (the point of the test), whatever the scheduling.
                    var deadline = DateTime.UtcNow.AddSeconds(30);
                    while (delivered.Count < 100 && DateTime.UtcNow < deadline)
                    {
                        await Task.Delay(5);
                    }
                }

                if (i == 400)
                {
                    await cut.CancelAsync();
                }
            }
        });

        var deliver = Task.Run(async () =>
        {
            var sinceBarrier = new List<string>();
            while (!cut.IsCancellationRequested)
            {
                foreach (var id in spool.List(SpoolState.Incoming))
                {
                    if (cut.IsCancellationRequested || !spool.Claim(id, SpoolState.Incoming))
                    {
                        break;
                    }

                    var message = spool.Open(SpoolState.Active, id);
                    using (var reader = new StreamReader(message.OpenForDelivery()))
                    {
                        Assert.Equal("Received: by test\r\n" + bodies[id], await reader.ReadToEndAsync());
                    }

                    delivered.AddOrUpdate(id, 1, (_, n) => n + 1);
                    Assert.True(spool.RemoveDelivered(id, message.ContentLength));
                    sinceBarrier.Add(id);
                    if (sinceBarrier.Count == 5)
                    {
                        await spool.SyncRemovedAsync(sinceBarrier);
                        sinceBarrier = [];
                    }
                }
            }
        });

        await Task.WhenAll(accept, deliver);
        Assert.True(spool.RecycledReused > 50, $"only {spool.RecycledReused} messages were written over a recycled file");
        Assert.All(delivered, d => Assert.Equal(1, d.Value));

        var recovered = new MessageSpool(dir.Path) { RecycleCapacity = 8 };
        var report = recovered.Recover();
        Assert.Empty(report.Corrupt);
        Assert.Empty(Directory.GetFiles(recovered.RecycledDirectory));
        var left = recovered.List(SpoolState.Incoming);
        Assert.Equal(bodies.Count - delivered.Count, left.Count);
        Assert.Empty(left.Intersect(delivered.Keys));
        foreach (var id in left)
        {
            using var reader = new StreamReader(recovered.Open(SpoolState.Incoming, id).OpenForDelivery());
            Assert.Equal("Received: by test\r\n" + bodies[id], await reader.ReadToEndAsync());
        }
    }
}
