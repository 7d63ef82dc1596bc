using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MssGateway.Spool;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// Connection reuse (issue 13 §1): several transactions per authenticated session, RSET between them,
/// client-side PIPELINING and BDAT, and the limits that close a session: messages per connection, age,
/// idle time. Sessions to another operator are checked again for each message they carry.
/// </summary>
public sealed class ConnectionReuseTests(TestPki pki) : IClassFixture<TestPki>
{
    private static Dictionary<string, string?> InternalHop(TestSmtpServer server, int maxPerConnection = 1000, int concurrency = 1) => new()
    {
        ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
        ["Gateway:Delivery:MaxMessagesPerConnection"] = maxPerConnection.ToString(CultureInfo.InvariantCulture),
        ["Gateway:Delivery:ConcurrencyPerDestination"] = concurrency.ToString(CultureInfo.InvariantCulture),
        ["Gateway:Delivery:ConnectionIdleTimeout"] = "00:10:00",
    };

    [Fact]
    public async Task N_messages_to_one_peer_open_at_most_N_over_the_per_connection_limit_connections()
    {
        const int messages = 60;
        const int perConnection = 20;
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(InternalHop(server, perConnection));
        for (var i = 0; i < messages; i++)
        {
            await h.SubmitAsync(SampleMessages.Clinical($"reuse-{i}@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        }

        await h.StartAsync();
        await h.WaitAsync(() => server.MessageIds.Count == messages && h.SpoolIsEmpty(), "every message", 60);

        Assert.InRange(server.Connections, 1, (messages + perConnection - 1) / perConnection);
        Assert.All(server.MessageIds.Values, n => Assert.Equal(1, n));
        Assert.Equal(messages - server.Connections, server.Commands.Count(c => c == "RSET")); // RSET before every transaction but a connection's first
        Assert.Equal(messages, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=delivered}"));
    }

    [Fact]
    public async Task With_CHUNKING_and_PIPELINING_the_whole_transaction_goes_in_one_write_as_BDAT_byte_for_byte()
    {
        await using var server = new TestSmtpServer(extensions: ["PIPELINING", "SIZE 52428800", "8BITMIME", "CHUNKING", "ENHANCEDSTATUSCODES"]);
        await using var h = new DeliveryHarness(InternalHop(server));
        await h.StartAsync();
        const string prepend = "Received: from client.hopital-a.test by gw.operateur-a.test with ESMTPS; Mon, 23 Nov 2026 05:00:01 +0000\r\n";
        await h.SubmitAsync(SampleMessages.Clinical("bdat-1@hopital-a.test"), ["dr.durand@hopital-a.test"], prepend: prepend);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "the first message");
        await h.SubmitAsync(SampleMessages.Clinical("bdat-2@hopital-a.test"), ["dr.durand@hopital-a.test"], prepend: prepend);
        await h.WaitAsync(() => server.Transactions.Count == 2 && h.SpoolIsEmpty(), "the second message");

        Assert.Equal(2, server.ChunkedMessages);
        Assert.DoesNotContain(server.Commands, c => c == "DATA");
        Assert.Equal(2, server.PipelinedMail); // MAIL arrived with RCPT and BDAT behind it, both times
        Assert.Equal(1, server.Connections);
        var second = server.Transactions.Last();
        Assert.Equal(Encoding.UTF8.GetBytes(prepend + SampleMessages.Clinical("bdat-2@hopital-a.test")), second.Data);
    }

    [Fact]
    public async Task Without_CHUNKING_a_pipelined_DATA_carries_the_message_dot_stuffed_and_it_arrives_unchanged()
    {
        await using var server = new TestSmtpServer(); // PIPELINING, no CHUNKING
        await using var h = new DeliveryHarness(InternalHop(server));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical("data-1@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "the message");

        Assert.Equal(0, server.ChunkedMessages);
        Assert.Equal(1, server.PipelinedMail);
        Assert.Equal(Encoding.UTF8.GetBytes(SampleMessages.Clinical("data-1@hopital-a.test")), server.Transactions.Single().Data); // ".une ligne" came back with one dot
    }

    [Fact]
    public async Task Blind_copies_stay_blind_Bcc_and_Resent_Bcc_fields_are_not_relayed()
    {
        await using var server = new TestSmtpServer(extensions: ["PIPELINING", "8BITMIME", "CHUNKING"]);
        await using var h = new DeliveryHarness(InternalHop(server));
        await h.StartAsync();
        var bcc = "Bcc: chef.service@hopital-a.test,\r\n\tdirection@hopital-a.test\r\nResent-Bcc: audit@hopital-a.test\r\nContent-Length: 12\r\n";
        await h.SubmitAsync(SampleMessages.Clinical("bcc@hopital-a.test", extraHeaders: bcc), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "the message");

        var text = server.Transactions.Single().Text;
        Assert.DoesNotContain("chef.service", text, StringComparison.Ordinal);
        Assert.DoesNotContain("direction@", text, StringComparison.Ordinal);
        Assert.DoesNotContain("audit@", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Length", text, StringComparison.Ordinal);
        Assert.Equal(SampleMessages.Clinical("bcc@hopital-a.test"), text); // everything else byte for byte
    }

    [Fact]
    public async Task An_idle_connection_is_closed_with_QUIT_after_the_idle_timeout_and_the_next_message_opens_a_new_one()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = new TestSmtpServer();
        var settings = InternalHop(server);
        settings["Gateway:Delivery:ConnectionIdleTimeout"] = "00:00:05";
        await using var h = new DeliveryHarness(settings, configure: s => s.AddSingleton<TimeProvider>(time));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical("idle-1@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "the first message");
        Assert.Equal(0, server.Quits);

        await h.WaitAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return server.Quits == 1; }, "the idle connection to be closed");
        await h.SubmitAsync(SampleMessages.Clinical("idle-2@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 2 && h.SpoolIsEmpty(), "the second message");

        Assert.Equal(2, server.Connections);
        Assert.DoesNotContain(server.Commands, c => c == "RSET");
    }

    [Fact]
    public async Task A_connection_older_than_MaxConnectionAge_takes_no_new_message()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = new TestSmtpServer();
        var settings = InternalHop(server);
        settings["Gateway:Delivery:MaxConnectionAge"] = "00:01:00";
        await using var h = new DeliveryHarness(settings, configure: s => s.AddSingleton<TimeProvider>(time));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical("age-1@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "the first message");
        time.Advance(TimeSpan.FromSeconds(30));
        await h.SubmitAsync(SampleMessages.Clinical("age-2@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 2 && h.SpoolIsEmpty(), "the second message");
        Assert.Equal(1, server.Connections); // 30 s old: reused

        time.Advance(TimeSpan.FromSeconds(40));
        await h.SubmitAsync(SampleMessages.Clinical("age-3@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 3 && h.SpoolIsEmpty(), "the third message");

        Assert.Equal(2, server.Connections); // 70 s old: a new one
    }

    [Fact]
    public async Task Operator_session_carries_several_messages_and_its_peer_is_checked_again_for_each()
    {
        await using var server = new TestSmtpServer(pki.Peer);
        await using var h = new DeliveryHarness(
            new()
            {
                ["Gateway:Delivery:TransportMap:operateur-b.test"] = "127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture),
                ["Gateway:Delivery:ConcurrencyPerDestination"] = "1",
                ["Gateway:Delivery:ConnectionIdleTimeout"] = "00:10:00",
            },
            pki);
        for (var i = 0; i < 5; i++)
        {
            await h.SubmitAsync(SampleMessages.Clinical($"op-{i}@hopital-a.test"), ["dr.durand@operateur-b.test"]);
        }

        await h.StartAsync();
        await h.WaitAsync(() => server.Transactions.Count == 5 && h.SpoolIsEmpty(), "five messages to the peer");

        Assert.Equal(1, server.Connections);
        Assert.All(server.Transactions, t => Assert.True(t.Tls));
        Assert.Equal(5, h.Validator.Calls); // once when the connection opened, then once per message it carried after the first
    }

    [Fact]
    public async Task Peer_delisted_while_its_connection_waits_in_the_pool_receives_nothing_more()
    {
        await using var server = new TestSmtpServer(pki.Peer);
        await using var h = new DeliveryHarness(
            new()
            {
                ["Gateway:Delivery:TransportMap:operateur-b.test"] = "127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture),
                ["Gateway:Delivery:ConnectionIdleTimeout"] = "00:10:00",
            },
            pki);
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical("before@hopital-a.test"), ["dr.durand@operateur-b.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "the first message");

        h.Validator.Refuse = PeerRefusal.NotListed; // the liste blanche no longer names the peer's DN for the domain
        var id = await h.SubmitAsync(SampleMessages.Clinical("after@hopital-a.test"), ["dr.durand@operateur-b.test"]);
        // The state is written before the message leaves active/ (crash order): wait for both.
        await h.WaitAsync(() => h.Spool.ReadState(id)?.Recipients.Single().LastReply is not null && h.Spool.Locate(id) == SpoolState.Deferred, "the second message to be deferred");

        Assert.Single(server.Transactions);
        Assert.Contains("peer_not_listed", h.Spool.ReadState(id)!.Recipients.Single().LastReply, StringComparison.Ordinal);
        Assert.Equal(1, server.Commands.Count(c => c.StartsWith("MAIL", StringComparison.Ordinal)));
        Assert.Equal(SpoolState.Deferred, h.Spool.Locate(id));
        // And the connection to the refused peer is not kept for later: closed with QUIT at once, not after its idle timeout.
        await h.WaitAsync(() => server.Quits == 1, "the refused peer's connection closed");
    }
}
