using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>RFC 5321 commands, sequence and syntax over a plain listener (no TLS policy involved).</summary>
public sealed class ProtocolTests : IClassFixture<EngineHostFixture>
{
    private readonly EngineHost _host;

    public ProtocolTests(EngineHostFixture fixture)
    {
        _host = fixture.Host;
    }

    private async Task<SmtpTestClient> ConnectAsync(bool ehlo = true)
    {
        var c = await SmtpTestClient.ConnectAsync(_host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        if (ehlo)
        {
            (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        }

        return c;
    }

    [Fact]
    public async Task Greeting_is_220_with_the_server_name()
    {
        await using var c = await SmtpTestClient.ConnectAsync(_host.PlainPort);
        var r = await c.ReadReplyAsync();
        Assert.Equal(220, r.Code);
        Assert.StartsWith("220 mx.test.local ", r.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ehlo_advertises_the_extensions_of_the_engine()
    {
        await using var c = await ConnectAsync(ehlo: false);
        var r = (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        var keywords = r.Lines.Skip(1).Select(l => l[4..]).ToList();
        Assert.Contains("PIPELINING", keywords);
        Assert.Contains("SIZE 20971520", keywords);
        Assert.Contains("8BITMIME", keywords);
        Assert.Contains("ENHANCEDSTATUSCODES", keywords);
        Assert.Contains("CHUNKING", keywords);
        Assert.Contains("SMTPUTF8", keywords);
        Assert.Contains("DSN", keywords);
        Assert.DoesNotContain("STARTTLS", keywords); // plain listener offers no TLS
    }

    [Fact]
    public async Task Helo_without_a_domain_is_refused_501_5_5_4()
    {
        await using var c = await ConnectAsync(ehlo: false);
        (await c.CommandAsync("HELO")).AssertCode(501, "5.5.4");
        (await c.CommandAsync("HELO client.test")).AssertCode(250);
    }

    [Fact]
    public async Task A_complete_transaction_is_queued_with_250_2_0_0_and_stored_intact()
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250, "2.1.0");
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250, "2.1.5");
        (await c.CommandAsync("DATA")).AssertCode(354);
        var r = (await c.CommandAsync("Subject: hello\r\n\r\nbody line\r\n.")).AssertCode(250, "2.0.0");
        var id = r.Lines[0].Split(' ')[^1];
        Assert.Equal("Subject: hello\r\n\r\nbody line\r\n", System.Text.Encoding.ASCII.GetString(_host.StoredContent(id)));
        var envelope = _host.Spool.Open(MssGateway.Spool.SpoolState.Incoming, id).Envelope;
        Assert.Equal("a@example.test", envelope.Sender);
        Assert.Equal("b@example.test", Assert.Single(envelope.Recipients).Address);
    }

    [Theory]
    [InlineData("RCPT TO:<b@example.test>", "5.5.1")]
    [InlineData("DATA", "5.5.1")]
    public async Task Commands_out_of_sequence_are_refused_503(string command, string enhanced)
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync(command)).AssertCode(503, enhanced);
    }

    [Fact]
    public async Task Mail_before_ehlo_is_refused_503_5_5_1()
    {
        await using var c = await ConnectAsync(ehlo: false);
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(503, "5.5.1");
    }

    [Fact]
    public async Task Nested_mail_is_refused_503_5_5_1()
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(503, "5.5.1");
    }

    [Fact]
    public async Task Data_after_only_refused_recipients_is_554_5_5_1()
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<unknown@example.test>")).AssertCode(550, "5.1.1");
        (await c.CommandAsync("DATA")).AssertCode(554, "5.5.1");
    }

    [Fact]
    public async Task Sender_refused_by_the_product_gets_its_reply()
    {
        await using var c = await ConnectAsync();
        var r = (await c.CommandAsync("MAIL FROM:<refused@example.test>")).AssertCode(550, "5.7.1");
        Assert.Contains("Sender not bound", r.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MAIL FROM:a@example.test", 501, "5.5.4")]
    [InlineData("MAIL FROM:<a@@example.test>", 501, "5.1.3")]
    [InlineData("MAIL FROM:<a..b@example.test>", 501, "5.1.3")]
    [InlineData("MAIL FROM:<a@-bad-.test>", 501, "5.1.3")]
    [InlineData("MAIL FROM:<a@example.test> FOO=BAR", 555, "5.5.4")]
    [InlineData("MAIL FROM:<a@example.test> BODY=BINARYMIME", 555, "5.5.4")]
    [InlineData("MAIL FROM:<a@example.test> SIZE=abc", 501, "5.5.4")]
    [InlineData("MAIL FROM:<a@example.test> RET=ALL", 501, "5.5.4")]
    [InlineData("MAIL FROM:<a@example.test> SIZE=1 SIZE=2", 501, "5.5.4")]
    [InlineData("MAIL FROM:<élodie@example.test>", 553, "5.6.7")]
    public async Task Malformed_mail_from_is_refused_with_a_precise_code(string command, int code, string enhanced)
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync(command)).AssertCode(code, enhanced);
    }

    [Fact]
    public async Task Internationalised_addresses_are_accepted_with_smtputf8()
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync("MAIL FROM:<élodie@hôpital.example.test> SMTPUTF8")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<josé@hôpital.example.test>")).AssertCode(250);
    }

    [Fact]
    public async Task Null_reverse_path_is_accepted_for_bounces()
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync("MAIL FROM:<>")).AssertCode(250, "2.1.0");
        (await c.CommandAsync("RCPT TO:<>")).AssertCode(501, "5.1.3");
    }

    [Fact]
    public async Task Dsn_parameters_are_kept_in_the_envelope()
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync("MAIL FROM:<a@example.test> RET=HDRS ENVID=abc+2Bdef")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40example.test")).AssertCode(250);
        (await c.CommandAsync("DATA")).AssertCode(354);
        var id = (await c.CommandAsync("Subject: dsn\r\n\r\nx\r\n.")).AssertCode(250).Lines[0].Split(' ')[^1];
        var envelope = _host.Spool.Open(MssGateway.Spool.SpoolState.Incoming, id).Envelope;
        Assert.Equal("abc+def", envelope.DsnEnvelopeId);
        Assert.Equal("Headers", envelope.DsnReturn);
        var rcpt = Assert.Single(envelope.Recipients);
        Assert.Equal("Success, Failure", rcpt.Notify);
        Assert.Equal("rfc822;b@example.test", rcpt.OriginalRecipient);
    }

    [Theory]
    [InlineData("RCPT TO:<b@example.test> NOTIFY=SOMETIMES", 501, "5.5.4")]
    [InlineData("RCPT TO:<b@example.test> ORCPT=nosemicolon", 501, "5.5.4")]
    [InlineData("RCPT TO:<b@example.test> XYZ", 555, "5.5.4")]
    public async Task Malformed_rcpt_parameters_are_refused(string command, int code, string enhanced)
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync(command)).AssertCode(code, enhanced);
    }

    [Theory]
    [InlineData("NOOP", 250, "2.0.0")]
    [InlineData("RSET", 250, "2.0.0")]
    [InlineData("VRFY someone", 252, "2.5.0")]
    [InlineData("HELP", 214, "2.0.0")]
    [InlineData("EXPN list", 502, "5.5.1")]
    [InlineData("AUTH PLAIN", 502, "5.5.1")]
    [InlineData("FOO", 500, "5.5.2")]
    public async Task Other_commands_have_their_replies(string command, int code, string enhanced)
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync(command)).AssertCode(code, enhanced);
    }

    [Fact]
    public async Task Quit_replies_221_and_closes()
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync("QUIT")).AssertCode(221, "2.0.0");
        Assert.True(await c.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Rset_forgets_the_transaction()
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RSET")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(503, "5.5.1");
    }

    [Fact]
    public async Task Pipelined_commands_get_their_replies_in_order()
    {
        await using var c = await ConnectAsync();
        await c.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<unknown@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n");
        (await c.ReadReplyAsync()).AssertCode(250, "2.1.0");
        (await c.ReadReplyAsync()).AssertCode(250, "2.1.5");
        (await c.ReadReplyAsync()).AssertCode(550, "5.1.1");
        (await c.ReadReplyAsync()).AssertCode(250, "2.1.5");
        (await c.ReadReplyAsync()).AssertCode(354);
        var id = (await c.CommandAsync("Subject: p\r\n\r\nx\r\n.")).AssertCode(250).Lines[0].Split(' ')[^1];
        Assert.Equal(2, _host.Spool.Open(MssGateway.Spool.SpoolState.Incoming, id).Envelope.Recipients.Count);
    }

    [Fact]
    public async Task A_command_line_over_512_octets_is_refused_500_5_5_2()
    {
        await using var c = await ConnectAsync();
        (await c.CommandAsync("NOOP " + new string('x', 600))).AssertCode(500, "5.5.2");
        (await c.CommandAsync("NOOP")).AssertCode(250); // the session goes on after the long line
    }

    [Fact]
    public async Task A_command_ending_in_a_bare_lf_is_refused_500_5_5_2()
    {
        await using var c = await ConnectAsync();
        await c.SendAsync("NOOP\n");
        (await c.ReadReplyAsync()).AssertCode(500, "5.5.2");
    }

    [Fact]
    public async Task Too_many_recipients_get_452_4_5_3()
    {
        await using var host = await EngineHost.StartAsync(l => l.MaxRecipients = 2);
        await using var c = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b1@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b2@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b3@example.test>")).AssertCode(452, "4.5.3");
    }

    [Fact]
    public async Task Too_many_errors_close_the_session_with_421_4_7_0()
    {
        await using var host = await EngineHost.StartAsync(l => l.MaxErrors = 3);
        await using var c = await SmtpTestClient.ConnectAsync(host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("FOO")).AssertCode(500);
        (await c.CommandAsync("BAR")).AssertCode(500);
        await c.SendAsync("BAZ\r\n");
        (await c.ReadReplyAsync()).AssertCode(500);
        (await c.ReadReplyAsync()).AssertCode(421, "4.7.0");
        Assert.True(await c.IsClosedByServerAsync());
    }
}
