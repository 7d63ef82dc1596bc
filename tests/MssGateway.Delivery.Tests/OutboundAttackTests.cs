using System.Globalization;
using MssGateway.Spool;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// Attacks on the outbound side: a man in the middle injecting replies around STARTTLS, a stored value
/// that would inject a command, and a next hop that lies about what it accepted.
/// </summary>
public sealed class OutboundAttackTests(TestPki pki) : IClassFixture<TestPki>
{
    [Fact]
    public async Task Reply_injected_in_clear_text_behind_the_STARTTLS_220_makes_the_gateway_hang_up_before_any_envelope()
    {
        await using var server = new TestSmtpServer(pki.Peer) { InjectAfterStartTls = true };
        await using var h = new DeliveryHarness(
            new() { ["Gateway:Delivery:TransportMap:operateur-b.test"] = "127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture) },
            pki);
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@operateur-b.test"]);

        await h.WaitAsync(() => h.Spool.ReadState(id)?.Recipients.Single().LastReply is not null, "a deferral");

        Assert.Contains("connect_failed", h.Spool.ReadState(id)!.Recipients.Single().LastReply, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task Recipient_address_carrying_a_line_break_fails_with_5_1_3_and_injects_nothing()
    {
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(new() { ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture) });
        await h.StartAsync();
        var forged = "dr.durand@hopital-a.test>\r\nRCPT TO:<intrus@hopital-a.test";
        var id = await h.SubmitAsync(SampleMessages.Clinical("inject@hopital-a.test"), [forged, "secretariat@hopital-a.test"]);

        await h.WaitAsync(() => h.Spool.Locate(id) is null && h.SpoolIsEmpty(), "the message and its DSN");

        Assert.DoesNotContain(server.Commands, c => c.Contains("intrus", StringComparison.Ordinal));
        var delivered = Assert.Single(server.Transactions, t => t.Text.Contains("inject@hopital-a.test", StringComparison.Ordinal) && !t.MailFrom.Contains("<>", StringComparison.Ordinal));
        Assert.Equal(["RCPT TO:<secretariat@hopital-a.test>"], delivered.RcptTo);
        var dsn = Assert.Single(server.Transactions, t => t.MailFrom.StartsWith("MAIL FROM:<>", StringComparison.Ordinal));
        Assert.Contains("Status: 5.1.3", dsn.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a b@hopital-a.test")]
    [InlineData("a@hopital-a.test\u0000")]
    [InlineData("<a@hopital-a.test>")]
    public void Addresses_that_cannot_be_written_as_a_path_are_refused(string address) =>
        Assert.False(SmtpCommandText.IsWritable(address, utf8: false));

    [Theory]
    [InlineData("\"dr martin\"@hopital-a.test", false)]
    [InlineData("médecin@hôpital.test", true)]
    public void Quoted_local_parts_and_UTF8_with_SMTPUTF8_are_writable(string address, bool utf8) =>
        Assert.True(SmtpCommandText.IsWritable(address, utf8));

    [Fact]
    public async Task Next_hop_answering_3yz_to_RCPT_is_not_believed_the_message_waits()
    {
        await using var server = new TestSmtpServer();
        var lies = 0;
        server.RcptReply = (_, _) => Interlocked.Increment(ref lies) == 1 ? "354 sure, send it" : null;
        await using var h = new DeliveryHarness(new() { ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture) });
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical("liar@hopital-a.test"), ["dr.durand@hopital-a.test"]);

        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "delivery on a new connection");

        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=deferred}"));
        Assert.Null(h.Spool.Locate(id));
    }

    [Fact]
    public async Task Next_hop_answering_twice_to_the_data_is_out_of_step_and_its_connection_carries_nothing_more()
    {
        await using var server = new TestSmtpServer();
        var answers = 0;
        // One spare reply behind the real one: on a reused connection it would be read as the next RSET's answer.
        server.DataReply = (_, _) => Interlocked.Increment(ref answers) == 1 ? "250 2.0.0 queued\r\n250 2.0.0 and a spare reply" : null;
        await using var h = new DeliveryHarness(new() { ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture) });
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical("first@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "the first message");

        await h.SubmitAsync(SampleMessages.Clinical("second@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 2 && h.SpoolIsEmpty(), "the second message");

        Assert.Equal(2, server.Connections);
        Assert.Equal(0, h.Measurements.GetValueOrDefault("mssgw_delivery_connection_reuses_total{}"));
        Assert.Equal(0, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=deferred}"));
        Assert.Equal(2, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=delivered}"));

        // Said where operators look: a metric and one warning naming the connection, nothing of the message.
        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_delivery_out_of_step_total{}"));
        var logged = Assert.Single(h.Logs, l => l.StartsWith("DeliveryOutOfStep:", StringComparison.Ordinal));
        Assert.EndsWith($"connection=127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)} where=after_reply", logged, StringComparison.Ordinal);
        Assert.DoesNotContain("hopital-a.test", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_opened_for_one_operator_is_never_used_for_another_behind_the_same_host()
    {
        // Operators B and C name the same host; its certificate is listed for B only. One message for both.
        await using var server = new TestSmtpServer(pki.Peer);
        var hop = "127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture);
        await using var h = new DeliveryHarness(
            new()
            {
                ["Gateway:Delivery:TransportMap:operateur-b.test"] = hop,
                ["Gateway:Delivery:TransportMap:operateur-c.test"] = hop,
            },
            pki,
            subjectsByDomain: new Dictionary<string, string[]>
            {
                ["operateur-b.test"] = [TestPki.PeerSubject],
                ["operateur-c.test"] = ["CN=mx.operateur-c.test, O=OPERATEUR C TEST, C=FR"],
            });
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@operateur-b.test", "dr.petit@operateur-c.test"]);

        await h.WaitAsync(
            () => server.Transactions.Count == 1 && h.Spool.ReadState(id)?.Recipients.SingleOrDefault(r => r.Address == "dr.petit@operateur-c.test")?.LastReply is not null,
            "B delivered, C deferred");

        var toC = h.Spool.ReadState(id)!.Recipients.Single(r => r.Address == "dr.petit@operateur-c.test");
        Assert.Equal(RecipientStatus.Pending, toC.Status);
        Assert.Contains("peer_not_listed", toC.LastReply, StringComparison.Ordinal);
        Assert.Equal(["RCPT TO:<dr.durand@operateur-b.test>"], server.Transactions.Single().RcptTo);
        Assert.DoesNotContain(server.Commands, c => c.Contains("operateur-c", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Next_hop_reply_text_with_control_characters_and_no_end_reaches_the_state_the_logs_and_the_DSN_harmless()
    {
        await using var server = new TestSmtpServer();
        // An escape sequence for the operator's terminal, a NUL that would make the DSN undeliverable, a
        // right-to-left override, 8-bit text, and a reply far longer than a header line may be.
        var hostile = "550-5.1.1 \u001b[2J\u001b]0;owned\u0007 nobody\u0000 here \u202Egpj.exe\r\n550 5.1.1 bo\u00eete " + new string('x', 3000);
        server.RcptReply = (address, _) => address.StartsWith("nobody@", StringComparison.Ordinal) ? hostile : null;
        await using var h = new DeliveryHarness(new() { ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture) });
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical("hostile-reply@hopital-a.test"), ["nobody@hopital-a.test"]);

        await h.WaitAsync(() => server.Transactions.Any(t => t.MailFrom.StartsWith("MAIL FROM:<>", StringComparison.Ordinal)) && h.SpoolIsEmpty(), "the DSN");

        var dsn = server.Transactions.Single(t => t.MailFrom.StartsWith("MAIL FROM:<>", StringComparison.Ordinal)).Text;
        Assert.Contains("Status: 5.1.1", dsn, StringComparison.Ordinal);
        var diagnostic = dsn.Split("\r\n").Single(l => l.StartsWith("Diagnostic-Code: smtp; 550 5.1.1", StringComparison.Ordinal));
        Assert.True(diagnostic.Length <= 998, $"a {diagnostic.Length}-character header line");
        Assert.Contains("nobody? here", diagnostic, StringComparison.Ordinal);
        var quoted = dsn.Split("\r\n").Where(l => l.Contains("nobody? here", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, quoted.Count); // the human-readable part and the Diagnostic-Code field
        Assert.All(quoted, l => Assert.All(l, c => Assert.True(c is >= ' ' and <= '~', $"U+{(int)c:X4} in the US-ASCII report")));
        Assert.All(h.Logs, l => Assert.DoesNotContain('\u001b', l));
        Assert.All(h.Logs, l => Assert.DoesNotContain('\u202E', l));
    }

    [Theory]
    [InlineData(550, "2.0.0 all good", "5.0.0")] // a success code in a refusal is not believed
    [InlineData(250, "5.1.1 oops", "2.0.0")]
    [InlineData(451, "4.4.1 later", "4.4.1")]
    public void Enhanced_code_of_another_class_than_the_reply_is_replaced_by_the_reply_class(int code, string text, string enhanced) =>
        Assert.Equal(enhanced, DeliveryReply.FromServer(code, text).EnhancedCode);

    [Fact]
    public async Task Tarpit_greeting_dripping_one_octet_at_a_time_times_out_costs_one_cohort_and_holds_back_no_other_destination()
    {
        await using var tarpit = new TestSmtpServer(pki.Peer) { DripGreeting = true };
        await using var local = new TestSmtpServer();
        await using var h = new DeliveryHarness(
            new()
            {
                ["Gateway:Delivery:TransportMap:operateur-b.test"] = "127.0.0.1:" + tarpit.Port.ToString(CultureInfo.InvariantCulture),
                ["Gateway:Delivery:InternalNextHop:Port"] = local.Port.ToString(CultureInfo.InvariantCulture),
                ["Gateway:Delivery:SmtpTimeout"] = "00:00:01", // the whole greeting, however slowly it drips
                ["Gateway:Delivery:InitialConcurrency"] = "2",
                ["Gateway:Delivery:MaxConcurrentDeliveries"] = "3",
                ["Gateway:Delivery:DeadDestinationRetry"] = "01:00:00",
            },
            pki);
        var stuck = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            stuck.Add(await h.SubmitAsync(SampleMessages.Clinical($"tarpit{i}@hopital-a.test"), ["dr.durand@operateur-b.test"]));
        }

        for (var i = 0; i < 5; i++)
        {
            await h.SubmitAsync(SampleMessages.Clinical($"local{i}@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        }

        await h.StartAsync();
        await h.WaitAsync(() => local.Transactions.Count == 5, "the local messages, past the tarpit");
        await h.WaitAsync(() => h.ObserveGauges().GetValueOrDefault("mssgw_delivery_dead_destinations{}") == 1, "the tarpit declared dead");

        Assert.InRange(tarpit.Connections, 1, 2); // one cohort of the initial window, not one per message
        Assert.All(stuck, id => Assert.NotNull(h.Spool.Locate(id)));
        Assert.Empty(tarpit.Transactions);
        Assert.Empty(tarpit.Commands);
    }
}
