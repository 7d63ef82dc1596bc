using System.Globalization;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// Pipelining across transactions (<c>PipelineDepth</c>): with a backlog and the window's connections
/// busy, the next message is written behind the one that waits for its reply. Each transaction keeps
/// its own outcome (a refusal is nobody else's), a lost connection defers what was written behind it
/// without losing anything, a peer out of step gets nothing written behind (and an idle connection
/// that received a late spare reply is not taken again), and depth 1 (Postfix's
/// behaviour) writes nothing ahead. The test server answers each message's data after a delay, so
/// transactions overlap, and counts the final replies it sent with the next command already received.
/// </summary>
public sealed class PipelineTests
{
    private const int Messages = 8;
    private static readonly string[] Chunking = ["PIPELINING", "SIZE 52428800", "8BITMIME", "CHUNKING", "ENHANCEDSTATUSCODES"];

    private static Dictionary<string, string?> Settings(TestSmtpServer server, int depth) => new()
    {
        ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
        ["Gateway:Delivery:ConcurrencyPerDestination"] = "1",
        ["Gateway:Delivery:InitialConcurrency"] = "1",
        ["Gateway:Delivery:PipelineDepth"] = depth.ToString(CultureInfo.InvariantCulture),
        ["Gateway:Delivery:ConnectionIdleTimeout"] = "00:10:00",
    };

    private static async Task SubmitAllAsync(DeliveryHarness h, string tag, int count, Func<int, string>? recipient = null)
    {
        for (var i = 0; i < count; i++)
        {
            await h.SubmitAsync(SampleMessages.Clinical($"{tag}-{i}@hopital-a.test"), [recipient?.Invoke(i) ?? "dr.durand@hopital-a.test"]);
        }
    }

    /// <summary>A backlog of <see cref="Messages"/> queued before the scheduler starts, delivered to <paramref name="server"/>.</summary>
    private static async Task<DeliveryHarness> DeliverBacklogAsync(TestSmtpServer server, int depth, string tag)
    {
        var h = new DeliveryHarness(Settings(server, depth));
        try
        {
            await SubmitAllAsync(h, tag, Messages);
            await h.StartAsync();
            await h.WaitAsync(() => server.MessageIds.Count == Messages && h.SpoolIsEmpty(), "every message", 60);
            return h;
        }
        catch
        {
            await h.DisposeAsync();
            throw;
        }
    }

    private static long Pipelined(DeliveryHarness h) => h.Measurements.GetValueOrDefault("mssgw_delivery_pipelined_transactions_total{}");

    [Fact]
    public async Task With_a_backlog_the_next_message_goes_behind_the_one_waiting_for_its_reply_on_the_same_connection()
    {
        await using var server = new TestSmtpServer(extensions: Chunking) { DataDelay = TimeSpan.FromMilliseconds(150) };
        await using var h = await DeliverBacklogAsync(server, depth: 2, "pipe");

        Assert.Equal(1, server.Connections); // a window of one connection, two transactions on it at a time
        Assert.All(server.MessageIds.Values, n => Assert.Equal(1, n));
        Assert.InRange(server.InputAheadOfFinalReply, Messages / 2, Messages - 1); // the next transaction had arrived before the reply
        Assert.InRange(Pipelined(h), Messages / 2, Messages - 1);
        Assert.Equal(Messages - 1, server.Commands.Count(c => c == "RSET"));
        Assert.Equal(Messages, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=delivered}"));
    }

    [Fact]
    public async Task PipelineDepth_1_writes_nothing_before_the_reply_of_the_transaction_in_flight()
    {
        await using var server = new TestSmtpServer(extensions: Chunking) { DataDelay = TimeSpan.FromMilliseconds(50) };
        await using var h = await DeliverBacklogAsync(server, depth: 1, "serial");

        Assert.Equal(1, server.Connections);
        Assert.Equal(0, server.InputAheadOfFinalReply);
        Assert.Equal(0, Pipelined(h));
    }

    [Fact]
    public async Task Without_CHUNKING_nothing_is_written_behind_a_transaction()
    {
        await using var server = new TestSmtpServer { DataDelay = TimeSpan.FromMilliseconds(50) }; // PIPELINING, DATA only
        await using var h = await DeliverBacklogAsync(server, depth: 2, "data");

        Assert.Equal(1, server.Connections); // the window is still one connection
        Assert.Equal(0, server.InputAheadOfFinalReply);
        Assert.Equal(0, Pipelined(h));
    }

    [Fact]
    public async Task A_refused_recipient_or_refused_data_is_its_own_transaction_s_the_ones_written_behind_it_are_delivered()
    {
        await using var server = new TestSmtpServer(extensions: Chunking)
        {
            DataDelay = TimeSpan.FromMilliseconds(100),
            RcptReply = (address, _) => address == "inconnu@hopital-a.test" ? "550 5.1.1 unknown user" : null,
            DataReply = (t, _) => !t.MailFrom.Contains("<>", StringComparison.Ordinal) && t.Text.Contains("refused-5@", StringComparison.Ordinal) ? "554 5.6.0 content refused" : null, // not its DSN
        };
        await using var h = new DeliveryHarness(Settings(server, depth: 2));
        for (var i = 0; i < Messages; i++)
        {
            var tag = i == 5 ? "refused" : "mixed";
            await h.SubmitAsync(SampleMessages.Clinical($"{tag}-{i}@hopital-a.test"), [i == 2 ? "inconnu@hopital-a.test" : "dr.durand@hopital-a.test"]);
        }

        await h.StartAsync();
        // Six delivered, two failed, and for each failure a DSN to the sender (a local address: the same server).
        await h.WaitAsync(() => h.SpoolIsEmpty() && h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=failed}") == 2 && server.Transactions.Count == Messages - 2 + 2, "every outcome and both DSNs", 60);

        Assert.Equal(2, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=failed}"));
        Assert.Equal(Messages, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=delivered}")); // six messages and two DSNs
        for (var i = 0; i < Messages; i++)
        {
            var expected = i is 2 or 5 ? 0 : 1;
            Assert.Equal(expected, server.MessageIds.GetValueOrDefault($"mixed-{i}@hopital-a.test") + server.MessageIds.GetValueOrDefault($"refused-{i}@hopital-a.test"));
        }

        var dsns = server.Transactions.Where(t => t.MailFrom.Contains("<>", StringComparison.Ordinal)).Select(t => t.Text).ToList();
        Assert.Equal(2, dsns.Count);
        Assert.Contains(dsns, d => d.Contains("5.1.1", StringComparison.Ordinal) && d.Contains("mixed-2@hopital-a.test", StringComparison.Ordinal));
        Assert.Contains(dsns, d => d.Contains("5.6.0", StringComparison.Ordinal) && d.Contains("refused-5@hopital-a.test", StringComparison.Ordinal));
        Assert.True(Pipelined(h) >= 2, $"pipelined {Pipelined(h)}");
        Assert.Equal(1, server.Connections); // refusals do not end the connection
    }

    [Fact]
    public async Task A_connection_lost_before_a_final_reply_defers_what_was_written_behind_and_loses_nothing()
    {
        await using var server = new TestSmtpServer(extensions: Chunking)
        {
            DataDelay = TimeSpan.FromMilliseconds(100),
            DropAt = SessionStage.BeforeFinalReply, // keeps the message, never answers it, closes
            DropAfter = 3, // the fourth message: by then transactions are written behind one another
            DropCount = 1,
        };
        await using var h = new DeliveryHarness(Settings(server, depth: 2));
        await SubmitAllAsync(h, "lost", Messages);
        await h.StartAsync();
        await h.WaitAsync(() => server.MessageIds.Count == Messages && h.SpoolIsEmpty(), "every message despite the drop", 60);

        Assert.Equal(1, server.Dropped);
        Assert.True(Pipelined(h) >= 1, "something was written behind the dropped transaction's");
        // The dropped one is in RFC 5321's window (kept by the server, unanswered): at most it comes twice.
        Assert.InRange(server.MessageIds.Values.Sum(n => n - 1), 0, 1);
        Assert.Contains(h.Logs, l => l.Contains("result=deferred", StringComparison.Ordinal) && l.Contains("the connection failed under the transaction written before this one", StringComparison.Ordinal));
        Assert.Equal(0, h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=failed}"));
    }

    [Fact]
    public async Task A_421_to_a_message_closes_the_connection_and_what_was_written_behind_it_is_deferred_then_delivered_once()
    {
        var closing = 0;
        await using var server = new TestSmtpServer(extensions: Chunking)
        {
            DataDelay = TimeSpan.FromMilliseconds(100),
            // The fourth message (transactions are then written behind one another) gets 421 once, and the server hangs up.
            DataReply = (t, _) => t.Text.Contains("closing-3@", StringComparison.Ordinal) && Interlocked.Increment(ref closing) == 1 ? "421 4.3.0 shutting down" : null,
        };
        await using var h = new DeliveryHarness(Settings(server, depth: 2));
        await SubmitAllAsync(h, "closing", Messages);
        await h.StartAsync();
        await h.WaitAsync(() => server.MessageIds.Count == Messages && h.SpoolIsEmpty(), "every message despite the 421", 60);

        Assert.Equal(2, closing); // refused with 421 once, accepted on the retry
        Assert.True(server.Connections >= 2, "a new connection after the 421");
        Assert.All(server.MessageIds.Values, n => Assert.Equal(1, n)); // the one behind was never read by the server: not a duplicate
        Assert.True(h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=deferred}") >= 1);
        Assert.Contains(h.Logs, l => l.Contains("result=deferred", StringComparison.Ordinal) && l.Contains("reply_code=421", StringComparison.Ordinal));
        Assert.Equal(0, h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=failed}"));
    }

    [Fact]
    public async Task A_peer_that_answers_more_than_asked_gets_nothing_written_behind_and_every_message_is_delivered()
    {
        // The first message's data gets two replies. Read as the next transaction's RSET, a spare reply would shift
        // every later reply onto the wrong command; it is seen because nothing is written behind a transaction on a
        // connection before one has ended alone in step.
        await using var server = new TestSmtpServer(extensions: Chunking) { DataDelay = TimeSpan.FromMilliseconds(100), SpareReplies = 1 };
        await using var h = new DeliveryHarness(Settings(server, depth: 2));
        await SubmitAllAsync(h, "spare", Messages);
        await h.StartAsync();
        await h.WaitAsync(() => server.MessageIds.Count == Messages && h.SpoolIsEmpty(), "every message", 60);

        Assert.Equal(2, server.Connections); // the out-of-step connection carried nothing more
        Assert.Equal(1, server.TransactionsPerConnection.First());
        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_delivery_out_of_step_total{}"));
        Assert.EndsWith("where=after_reply", Assert.Single(h.Logs, l => l.StartsWith("DeliveryOutOfStep:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.All(server.MessageIds.Values, n => Assert.Equal(1, n));
        Assert.Equal(Messages, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=delivered}"));
        Assert.True(Pipelined(h) >= 1, "the second connection, in step, pipelines");
    }

    [Fact]
    public async Task A_late_spare_reply_on_an_idle_connection_is_not_taken_for_the_next_message_s_answer()
    {
        // The peer sends a spare "250" while the connection waits in the pool, then refuses the next message's data.
        // Were the connection taken again, that message's RSET would read the spare, each later reply would answer
        // the command before its own, and the refusal would never be read as the message's: counted delivered, lost.
        var data = 0;
        await using var server = new TestSmtpServer(extensions: Chunking)
        {
            LateSpareReplies = 1,
            DataReply = (t, _) => Interlocked.Increment(ref data) == 2 ? "554 5.6.0 content refused" : null,
        };
        await using var h = new DeliveryHarness(Settings(server, depth: 2));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical("first@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty() && Volatile.Read(ref server.LateSparesSent) == 1, "the first message and the late spare reply");
        await h.SubmitAsync(SampleMessages.Clinical("second@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => h.SpoolIsEmpty() && h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=failed}") == 1 && server.Transactions.Count == 2, "the refusal and its DSN");

        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_delivery_out_of_step_total{}"));
        var logged = Assert.Single(h.Logs, l => l.StartsWith("DeliveryOutOfStep:", StringComparison.Ordinal));
        // Seen on the idle connection, or already behind the data's reply when it came in the same read: never used.
        Assert.Matches($@"connection=127\.0\.0\.1:{server.Port.ToString(CultureInfo.InvariantCulture)} where=(idle|after_reply)$", logged);
        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=failed}"));
        Assert.Equal(0, server.MessageIds.GetValueOrDefault("second@hopital-a.test"));
        Assert.Contains(server.Transactions, t => t.MailFrom.Contains("<>", StringComparison.Ordinal) && t.Text.Contains("5.6.0", StringComparison.Ordinal) && t.Text.Contains("second@hopital-a.test", StringComparison.Ordinal));
        Assert.True(server.Connections >= 2, "the out-of-step connection was not taken again");
    }

    [Fact]
    public async Task A_large_message_is_not_written_behind_another_and_nothing_is_written_behind_it()
    {
        await using var server = new TestSmtpServer(extensions: Chunking) { DataDelay = TimeSpan.FromMilliseconds(100) };
        await using var h = new DeliveryHarness(Settings(server, depth: 2));
        var large = SampleMessages.Clinical("large@hopital-a.test") + string.Concat(Enumerable.Repeat(new string('b', 998) + "\r\n", 200));
        for (var i = 0; i < 3; i++)
        {
            await h.SubmitAsync(SampleMessages.Clinical($"small-{i}@hopital-a.test"), ["dr.durand@hopital-a.test"]);
            await h.SubmitAsync(large.Replace("large@", $"large-{i}@", StringComparison.Ordinal), ["dr.durand@hopital-a.test"]);
        }

        await h.StartAsync();
        await h.WaitAsync(() => server.MessageIds.Count == 6 && h.SpoolIsEmpty(), "all six", 60);

        // A 200 KB message (over the 128 KiB sent in one write) waits for its RCPT replies before its octets, so it
        // is never written behind another transaction, and nothing is written behind it until its own reply came.
        Assert.Equal(1, server.Connections);
        var replies = server.FinalReplies.ToList();
        Assert.Equal(6, replies.Count);
        for (var k = 0; k < replies.Count; k++)
        {
            if (replies[k].MessageId.StartsWith("large-", StringComparison.Ordinal))
            {
                Assert.False(replies[k].InputAhead, $"something was written behind {replies[k].MessageId}");
                Assert.False(k > 0 && replies[k - 1].InputAhead, $"{replies[k].MessageId} was written behind the message before it");
            }
        }

        Assert.All(server.MessageIds.Values, n => Assert.Equal(1, n));
    }
}
