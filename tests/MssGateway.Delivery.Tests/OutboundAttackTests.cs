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
}
