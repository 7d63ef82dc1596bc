using System.Globalization;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// A peer that drops the connection at any stage of a session: the messages in flight are put back in
/// line and delivered later, none is lost, and none is delivered twice unless the drop fell after the
/// peer had the whole message and before its reply (RFC 5321 §6.1: then at most that one, once more).
/// A connection the peer had closed while it waited in the pool is retried at once on a new one.
/// </summary>
public sealed class ConnectionDropTests
{
    private const int Messages = 12;

    public static TheoryData<SessionStage, bool> Stages => new()
    {
        { SessionStage.Greeting, false }, { SessionStage.Ehlo, false }, { SessionStage.Mail, false }, { SessionStage.Rcpt, false },
        { SessionStage.Data, false }, { SessionStage.MidData, false }, { SessionStage.BeforeFinalReply, false }, { SessionStage.Rset, false },
        { SessionStage.Mail, true }, { SessionStage.MidData, true }, { SessionStage.BeforeFinalReply, true }, { SessionStage.Rset, true },
    };

    [Theory]
    [MemberData(nameof(Stages))]
    public async Task Peer_dropping_the_connection_loses_no_message_and_duplicates_only_within_the_RFC_5321_window(SessionStage stage, bool chunking)
    {
        await using var server = new TestSmtpServer(extensions: chunking ? ["PIPELINING", "8BITMIME", "CHUNKING", "ENHANCEDSTATUSCODES"] : null)
        {
            DropAt = stage,
            DropCount = 2,
        };
        await using var h = new DeliveryHarness(new()
        {
            ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Delivery:ConcurrencyPerDestination"] = "2",
            ["Gateway:Delivery:ConnectionIdleTimeout"] = "00:10:00",
            ["Gateway:Delivery:DeadDestinationRetry"] = "00:00:00.500", // two failed connections in a row make it dead for a moment
        });
        for (var i = 0; i < Messages; i++)
        {
            await h.SubmitAsync(SampleMessages.Clinical($"drop-{stage}-{i}@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        }

        await h.StartAsync();
        await h.WaitAsync(() => server.MessageIds.Count == Messages && h.SpoolIsEmpty(), "every message despite the drops", 60);

        Assert.Equal(2, server.Dropped); // the faults did happen
        var duplicates = server.MessageIds.Values.Sum(n => n - 1);
        Assert.InRange(duplicates, 0, stage == SessionStage.BeforeFinalReply ? server.Dropped : 0);
        Assert.Equal(0, h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=failed}"));
        if (stage == SessionStage.Rset)
        {
            // A reused connection that turned out closed is not an attempt: nothing was deferred.
            Assert.Equal(0, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=deferred}"));
        }
    }

    [Fact]
    public async Task Reply_that_is_not_SMTP_ends_the_session_and_the_message_is_delivered_later()
    {
        await using var server = new TestSmtpServer();
        var broken = 0;
        server.MailReply = _ => Interlocked.Increment(ref broken) == 1 ? "2x0 what is this" : null;
        await using var h = new DeliveryHarness(new() { ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture) });
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical("garbled@hopital-a.test"), ["dr.durand@hopital-a.test"]);

        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "delivery on a second connection");

        Assert.Equal(2, server.Connections);
        Assert.Contains(h.Logs, l => l.Contains("result=deferred", StringComparison.Ordinal) && l.Contains("connection_lost", StringComparison.Ordinal));
        Assert.Null(h.Spool.Locate(id));
    }
}
