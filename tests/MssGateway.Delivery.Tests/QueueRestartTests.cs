using System.Globalization;
using System.Text;
using MssGateway.Spool;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// A restart with a national-scale backlog (issue 13 §3): 100,000 messages built straight into the
/// spool — new ones, ones interrupted in <c>active/</c>, retries due and retries not due for an hour —
/// then recovery and the scheduler as the host runs them. Correctness only (every due message once, the
/// others untouched and known with their time); how long it takes is bench/queue-scale.sh's business.
/// </summary>
public sealed class QueueRestartTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // 100,000 in all; 12,000 of them due now (delivered by the test), 88,000 due in an hour (kept and indexed).
    private const int Incoming = 9_990;
    private const int Interrupted = 10;
    private const int DueRetries = 2_000;
    private const int LaterRetries = 88_000;

    [Fact]
    public async Task Restart_with_100000_queued_messages_delivers_every_due_one_once_and_keeps_the_others_for_their_time()
    {
        await using var sink = new TestSmtpServer(extensions: ["PIPELINING", "8BITMIME", "CHUNKING", "ENHANCEDSTATUSCODES"]) { KeepData = false };
        await using var h = new DeliveryHarness(new()
        {
            ["Gateway:Delivery:InternalNextHop:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Delivery:MaxConcurrentDeliveries"] = "16",
            ["Gateway:Delivery:ConcurrencyPerDestination"] = "16",
            ["Gateway:Delivery:InitialConcurrency"] = "16",
            ["Gateway:Delivery:PollInterval"] = "00:00:30",
            ["Gateway:Delivery:DeferredScanInterval"] = "00:05:00",
        });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var now = DateTimeOffset.UtcNow;
        var import = new SpoolBulkImport(h.Spool);
        var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("Compte rendu de consultation, texte de remplissage.\r\n", 18)));
        void Add(string kind, int n, SpoolState where, DateTimeOffset? due)
        {
            var id = QueueId.New();
            var recipient = "dr.durand@hopital-a.test";
            var content = Encoding.ASCII.GetBytes($"Message-ID: <{kind}-{n}@hopital-a.test>\r\nFrom: dr.martin@hopital-a.test\r\nTo: {recipient}\r\nSubject: restart\r\n\r\n").Concat(body).ToArray();
            var envelope = new SpoolEnvelope { QueueId = id, ReceivedAt = now.AddMinutes(-30), Sender = "dr.martin@hopital-a.test", Recipients = [new SpoolRecipient { Address = recipient }] };
            var state = due is null ? null : new SpoolDeliveryState
            {
                QueueId = id,
                Attempts = 1,
                NextAttemptAt = due,
                Recipients = [new RecipientState { Address = recipient, Status = RecipientStatus.Pending, LastReply = "451 4.3.0 try later" }],
            };
            import.Add(envelope, content, where, state, due);
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 4 };
        Parallel.For(0, Incoming, parallel, i => Add("new", i, SpoolState.Incoming, null));
        Parallel.For(0, Interrupted, parallel, i => Add("interrupted", i, SpoolState.Active, null));
        Parallel.For(0, DueRetries, parallel, i => Add("due", i, SpoolState.Deferred, now.AddMinutes(-10)));
        Parallel.For(0, LaterRetries, parallel, i => Add("later", i, SpoolState.Deferred, now.AddHours(1)));
        import.Complete();
        output.WriteLine($"built in {watch.Elapsed}");

        var report = h.Spool.Recover(); // what the host does before its listeners start
        Assert.Equal(100_000, report.Messages);
        Assert.Equal(Interrupted, report.Requeued);
        Assert.Empty(report.Corrupt);
        output.WriteLine($"recovered at {watch.Elapsed}");

        await h.StartAsync();
        await h.Scheduler.Ready.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.InRange(h.Scheduler.DeferredKnown, LaterRetries, LaterRetries + DueRetries);
        output.WriteLine($"scheduler ready at {watch.Elapsed}");

        const int due = Incoming + Interrupted + DueRetries;
        await h.WaitAsync(
            () => sink.MessageIds.Count == due && h.Spool.List(SpoolState.Incoming).Count + h.Spool.List(SpoolState.Active).Count == 0 && h.Scheduler.InFlight == 0,
            "every due message",
            600);

        output.WriteLine($"delivered at {watch.Elapsed}");
        Assert.All(sink.MessageIds, kv => Assert.Equal(1, kv.Value)); // none twice
        Assert.DoesNotContain(sink.MessageIds.Keys, k => k.StartsWith("later-", StringComparison.Ordinal));
        Assert.Equal(LaterRetries, h.Spool.List(SpoolState.Deferred).Count);
        Assert.Equal(LaterRetries, h.Scheduler.DeferredKnown);
        Assert.Empty(h.Spool.List(SpoolState.Corrupt));
        Assert.All(h.Spool.List(SpoolState.Deferred).Take(100), id => Assert.Equal(1, h.Spool.ReadState(id)!.Attempts)); // untouched
    }

    /// <summary>
    /// Recovery keeps one compact entry per message and opens each file once (issue 13b, for a million
    /// queued messages): what it sets aside must not change — a file cut short in any state, a name that
    /// is not a queue id — and what it keeps must stay, with the orphan state files of nobody removed.
    /// </summary>
    [Fact]
    public void Recovery_sets_aside_cut_files_and_strangers_in_every_state_and_keeps_the_intact_ones()
    {
        using var dir = new MssGateway.Testing.TempDirectory();
        var spool = new MessageSpool(dir.Path);
        var import = new SpoolBulkImport(spool);
        var now = DateTimeOffset.UtcNow;
        var ids = new Dictionary<SpoolState, string[]>();
        foreach (var where in new[] { SpoolState.Incoming, SpoolState.Deferred, SpoolState.Hold })
        {
            ids[where] = [.. Enumerable.Range(0, 3).Select(i =>
            {
                var id = QueueId.New();
                var envelope = new SpoolEnvelope { QueueId = id, ReceivedAt = now, Sender = "dr.martin@hopital-a.test", Recipients = [new SpoolRecipient { Address = "dr.durand@hopital-a.test" }] };
                import.Add(envelope, Encoding.ASCII.GetBytes($"Subject: {where} {i}\r\n\r\nbody\r\n"), where, null, where == SpoolState.Deferred ? now.AddHours(1) : null);
                return id;
            })];
        }

        import.Complete();
        var cut = new List<string>();
        foreach (var (where, list) in ids)
        {
            var path = spool.PathOf(where, list[0]); // the first of each state loses its footer, as in a crash mid-write
            File.WriteAllBytes(path, File.ReadAllBytes(path)[..^5]);
            cut.Add(list[0]);
        }

        File.WriteAllText(Path.Combine(spool.DirectoryOf(SpoolState.Incoming), "not-a-queue-id"), "dropped by hand");
        File.WriteAllText(Path.Combine(spool.DirectoryOf(SpoolState.Deferred), "0123456789abcdef"), "lower case: not an id");
        var orphan = QueueId.New();
        File.WriteAllText(Path.Combine(spool.StateDirectory, orphan + ".json"), "{}");

        var report = new MessageSpool(dir.Path).Recover();

        Assert.Equal([.. cut.Append("not-a-queue-id").Append("0123456789abcdef").Order(StringComparer.Ordinal)], report.Corrupt);
        Assert.Equal(9 - 3, report.Messages); // the cut ones are no longer counted
        Assert.Equal(1, report.OrphanStatesRemoved);
        foreach (var (where, list) in ids)
        {
            Assert.Equal(list[1..].Order(StringComparer.Ordinal), spool.List(where));
        }

        Assert.Equal(5, System.IO.Directory.GetFiles(spool.DirectoryOf(SpoolState.Corrupt)).Length);
    }
}
