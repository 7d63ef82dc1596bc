using System.Globalization;

namespace MssGateway.Delivery.Tests;

/// <summary>Bounces and receipts (RFC 3461/3464): when a DSN is due, how many, and what it says.</summary>
public sealed class DsnTests
{
    private static Dictionary<string, string?> Settings(TestSmtpServer server, params (string Key, string Value)[] more)
    {
        var d = new Dictionary<string, string?> { ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture) };
        foreach (var (k, v) in more)
        {
            d["Gateway:Delivery:" + k] = v;
        }

        return d;
    }

    private static List<ReceivedTransaction> Dsns(TestSmtpServer server) =>
        server.Transactions.Where(t => t.MailFrom.StartsWith("MAIL FROM:<>", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task Permanent_failure_queues_exactly_one_DSN_to_the_sender_with_headers_only()
    {
        await using var server = new TestSmtpServer();
        server.RcptReply = (rcpt, _) => rcpt == "inconnu@hopital-a.test" ? "550 5.1.1 <inconnu@hopital-a.test>: user unknown" : null;
        await using var h = new DeliveryHarness(Settings(server));
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical(), ["inconnu@hopital-a.test"], envelope: e => WithEnvId(e, "ENV-42"));

        await h.WaitAsync(() => h.SpoolIsEmpty() && server.Transactions.Count == 1, "the DSN");

        var dsn = Assert.Single(Dsns(server));
        Assert.StartsWith($"RCPT TO:<{DeliveryHarness.Sender}>", dsn.RcptTo.Single(), StringComparison.Ordinal);
        var text = dsn.Text;
        Assert.Contains("Content-Type: multipart/report; report-type=delivery-status;", text, StringComparison.Ordinal);
        Assert.Contains("Content-Type: message/delivery-status", text, StringComparison.Ordinal);
        Assert.Contains($"X-MSSGW-Queue-ID: {id}", text, StringComparison.Ordinal);
        Assert.Contains("Original-Envelope-Id: ENV-42", text, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; inconnu@hopital-a.test", text, StringComparison.Ordinal);
        Assert.Contains("Action: failed", text, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.1", text, StringComparison.Ordinal);
        Assert.Contains("Remote-MTA: dns; 127.0.0.1\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 550 5.1.1 <inconnu@hopital-a.test>: user unknown", text, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/rfc822-headers", text, StringComparison.Ordinal);
        Assert.Contains("X-MSS-NIL: LOGICIEL-DPI/4.2  ref=abc", text, StringComparison.Ordinal);
        Assert.DoesNotContain("état stable", text, StringComparison.Ordinal); // headers only: no body in the bounce
        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=failed}"));
        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=failed}"));
    }

    [Fact]
    public async Task Failure_with_RET_FULL_returns_the_whole_message()
    {
        await using var server = new TestSmtpServer();
        server.RcptReply = (rcpt, _) => rcpt == "inconnu@hopital-a.test" ? "550 5.1.1 user unknown" : null;
        await using var h = new DeliveryHarness(Settings(server));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["inconnu@hopital-a.test"], envelope: e => WithEnvId(e, null, "FULL"));

        await h.WaitAsync(() => h.SpoolIsEmpty() && server.Transactions.Count == 1, "the DSN");

        var text = Assert.Single(Dsns(server)).Text;
        Assert.Contains("Content-Type: message/rfc822", text, StringComparison.Ordinal);
        Assert.Contains("état stable", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_message_fails_with_exactly_one_DSN()
    {
        await using var server = new TestSmtpServer();
        server.RcptReply = (rcpt, _) => rcpt == "lent@hopital-a.test" ? "451 4.4.1 mailbox server unreachable" : null;
        await using var h = new DeliveryHarness(Settings(server, ("MaxLifetime", "00:00:02")));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["lent@hopital-a.test"]);

        await h.WaitAsync(() => h.SpoolIsEmpty() && server.Transactions.Count == 1, "expiry DSN");

        var text = Assert.Single(Dsns(server)).Text;
        Assert.Contains("Action: failed", text, StringComparison.Ordinal);
        Assert.Contains("Status: 4.4.1", text, StringComparison.Ordinal);
        Assert.Contains("expired", text, StringComparison.Ordinal);
        Assert.True(h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=deferred}") >= 2);
        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=failed}"));
    }

    [Fact]
    public async Task No_DSN_is_ever_sent_for_a_message_with_the_null_sender()
    {
        await using var server = new TestSmtpServer();
        server.RcptReply = (_, _) => "550 5.1.1 user unknown";
        await using var h = new DeliveryHarness(Settings(server));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["inconnu@hopital-a.test"], sender: string.Empty);

        await h.WaitAsync(() => h.SpoolIsEmpty() && h.Logs.Any(l => l.StartsWith("NoDsnForNullSender", StringComparison.Ordinal)), "the failure");

        Assert.Empty(server.Transactions);
        Assert.Equal(0, h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=failed}"));
        Assert.Contains(server.Commands, c => c.StartsWith("MAIL FROM:<>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Delay_warning_is_sent_once_then_the_message_is_delivered()
    {
        await using var server = new TestSmtpServer();
        var tries = 0;
        server.RcptReply = (rcpt, _) => rcpt == "lent@hopital-a.test" && Interlocked.Increment(ref tries) <= 5 ? "451 4.3.0 try later" : null;
        await using var h = new DeliveryHarness(Settings(server, ("DelayWarningAfter", "00:00:00.200")));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["lent@hopital-a.test"]);

        await h.WaitAsync(() => h.SpoolIsEmpty() && server.Transactions.Count == 2, "delay DSN then delivery");

        var dsn = Assert.Single(Dsns(server));
        Assert.Contains("Action: delayed", dsn.Text, StringComparison.Ordinal);
        Assert.Contains("Will-Retry-Until:", dsn.Text, StringComparison.Ordinal);
        Assert.Single(server.Transactions, t => t.MailFrom.Contains(DeliveryHarness.Sender, StringComparison.Ordinal));
        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=delayed}"));
    }

    [Fact]
    public async Task DSN_parameters_are_passed_on_to_a_next_hop_that_supports_DSN()
    {
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(Settings(server));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@hopital-a.test"], envelope: e => WithEnvId(e, "ENV-7", "HDRS"), notifyParam: "SUCCESS,FAILURE");

        await h.WaitAsync(() => h.SpoolIsEmpty() && server.Transactions.Count == 1, "delivery");

        var t = server.Transactions.Single();
        Assert.Contains(" ENVID=ENV-7", t.MailFrom, StringComparison.Ordinal);
        Assert.Contains(" RET=HDRS", t.MailFrom, StringComparison.Ordinal);
        Assert.Contains("NOTIFY=SUCCESS,FAILURE", t.RcptTo.Single(), StringComparison.Ordinal);
        Assert.Empty(Dsns(server)); // the next hop took over DSN duty: no "relayed" report from us
    }

    [Fact]
    public async Task Success_is_reported_as_relayed_when_the_next_hop_does_not_do_DSN()
    {
        await using var server = new TestSmtpServer(extensions: ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"]);
        await using var h = new DeliveryHarness(Settings(server));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@hopital-a.test"], notifyParam: "SUCCESS");

        await h.WaitAsync(() => h.SpoolIsEmpty() && server.Transactions.Count == 2, "delivery and relayed DSN");

        var dsn = Assert.Single(Dsns(server));
        Assert.Contains("Action: relayed", dsn.Text, StringComparison.Ordinal);
        Assert.Contains("Status: 2.0.0", dsn.Text, StringComparison.Ordinal);
        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=relayed}"));
    }

    [Fact]
    public async Task Recipient_whose_domain_left_the_liste_blanche_fails_with_a_DSN_and_nothing_is_sent_to_it()
    {
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(Settings(server), authorisedDomains: ["autre-operateur.test"]);
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@operateur-b.test"]);

        await h.WaitAsync(() => h.SpoolIsEmpty() && server.Transactions.Count == 1, "the DSN");

        var text = Assert.Single(Dsns(server)).Text;
        Assert.Contains("Status: 5.7.1", text, StringComparison.Ordinal);
        Assert.Contains("domain_not_authorised", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Remote-MTA", text, StringComparison.Ordinal);
    }

    private static MssGateway.Spool.SpoolEnvelope WithEnvId(MssGateway.Spool.SpoolEnvelope e, string? envId, string? ret = null) => new()
    {
        QueueId = e.QueueId,
        ReceivedAt = e.ReceivedAt,
        Sender = e.Sender,
        Recipients = e.Recipients,
        Body = e.Body,
        DsnEnvelopeId = envId,
        DsnReturn = ret,
    };
}
