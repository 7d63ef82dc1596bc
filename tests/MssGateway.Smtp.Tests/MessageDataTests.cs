using System.Text;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>DATA and BDAT: dot-stuffing, the end marker, SMTP smuggling probes, sizes and line lengths.</summary>
public sealed class MessageDataTests : IClassFixture<EngineHostFixture>
{
    private readonly EngineHost _host;

    public MessageDataTests(EngineHostFixture fixture)
    {
        _host = fixture.Host;
    }

    private async Task<SmtpTestClient> OpenTransactionAsync(int? port = null)
    {
        var c = await SmtpTestClient.ConnectAsync(port ?? _host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
        return c;
    }

    private static string QueueIdOf(SmtpTestReply reply) => reply.Lines[0].Split(' ')[^1];

    [Fact]
    public async Task Dot_stuffed_lines_are_stored_unstuffed()
    {
        await using var c = await OpenTransactionAsync();
        (await c.CommandAsync("DATA")).AssertCode(354);
        await c.SendAsync("Subject: dots\r\n\r\n..leading dot\r\n...two\r\n.\r\n");
        var id = QueueIdOf((await c.ReadReplyAsync()).AssertCode(250, "2.0.0"));
        Assert.Equal("Subject: dots\r\n\r\n.leading dot\r\n..two\r\n", Encoding.ASCII.GetString(_host.StoredContent(id)));
    }

    [Fact]
    public async Task An_empty_message_is_accepted()
    {
        await using var c = await OpenTransactionAsync();
        (await c.CommandAsync("DATA")).AssertCode(354);
        await c.SendAsync(".\r\n");
        var id = QueueIdOf((await c.ReadReplyAsync()).AssertCode(250));
        Assert.Empty(_host.StoredContent(id));
    }

    [Fact]
    public async Task Data_split_into_one_byte_writes_is_stored_exactly()
    {
        await using var c = await OpenTransactionAsync();
        (await c.CommandAsync("DATA")).AssertCode(354);
        foreach (var b in Encoding.ASCII.GetBytes("Subject: slow\r\n\r\n..x\r\ny\r\n.\r\n"))
        {
            await c.SendBytesAsync([b]);
        }

        var id = QueueIdOf((await c.ReadReplyAsync()).AssertCode(250));
        Assert.Equal("Subject: slow\r\n\r\n.x\r\ny\r\n", Encoding.ASCII.GetString(_host.StoredContent(id)));
    }

    [Theory]
    [InlineData("Subject: s\r\n\r\nbefore\n.\nMAIL FROM:<evil@example.test>\r\nafter\r\n")] // <LF>.<LF>
    [InlineData("Subject: s\r\n\r\nbefore\r.\rMAIL FROM:<evil@example.test>\r\nafter\r\n")] // <CR>.<CR>
    [InlineData("Subject: s\r\n\r\nbefore\r\n.\nMAIL FROM:<evil@example.test>\r\nafter\r\n")] // <CRLF>.<LF>
    [InlineData("Subject: s\r\n\r\nbefore\n.\r\nMAIL FROM:<evil@example.test>\r\nafter\r\n")] // <LF>.<CRLF>
    [InlineData("Subject: s\r\n\r\nbare lf\nin the body\r\n")]
    [InlineData("Subject: s\r\n\r\nbare cr\rin the body\r\n")]
    public async Task Smuggling_probes_never_end_data_and_are_refused_550_5_5_2(string body)
    {
        var before = _host.Hooks.Accepted.Count;
        await using var c = await OpenTransactionAsync();
        (await c.CommandAsync("DATA")).AssertCode(354);
        await c.SendAsync(body + ".\r\n");
        var r = await c.ReadReplyAsync();
        r.AssertCode(550, "5.5.2");
        Assert.Contains("smuggling", r.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, _host.Hooks.Accepted.Count);
        // The smuggled MAIL FROM was data, not a command: the session is back in its initial state.
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(503, "5.5.1");
    }

    [Fact]
    public async Task A_text_line_over_1000_octets_is_refused_554_5_6_0()
    {
        await using var c = await OpenTransactionAsync();
        (await c.CommandAsync("DATA")).AssertCode(354);
        await c.SendAsync("Subject: long\r\n\r\n" + new string('x', 1000) + "\r\n.\r\n");
        (await c.ReadReplyAsync()).AssertCode(554, "5.6.0");
    }

    [Fact]
    public async Task A_line_of_exactly_1000_octets_with_crlf_is_accepted()
    {
        await using var c = await OpenTransactionAsync();
        (await c.CommandAsync("DATA")).AssertCode(354);
        await c.SendAsync("Subject: long\r\n\r\n" + new string('x', 998) + "\r\n.\r\n");
        (await c.ReadReplyAsync()).AssertCode(250);
    }

    [Fact]
    public async Task Size_parameter_over_the_limit_is_refused_at_mail_552_5_3_4()
    {
        await using var c = await SmtpTestClient.ConnectAsync(_host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        (await c.CommandAsync("MAIL FROM:<a@example.test> SIZE=30000000")).AssertCode(552, "5.3.4");
        (await c.CommandAsync("MAIL FROM:<a@example.test> SIZE=1000")).AssertCode(250);
    }

    [Fact]
    public async Task Data_over_the_limit_is_refused_552_5_3_4_and_not_kept()
    {
        await using var host = await EngineHost.StartAsync(l => l.MaxMessageSize = 100_000);
        await using var c = await OpenTransactionAsync(host.PlainPort);
        (await c.CommandAsync("DATA")).AssertCode(354);
        var line = new string('y', 76) + "\r\n";
        var sb = new StringBuilder("Subject: big\r\n\r\n");
        for (var i = 0; i < 2000; i++)
        {
            sb.Append(line);
        }

        await c.SendAsync(sb.Append(".\r\n").ToString());
        (await c.ReadReplyAsync()).AssertCode(552, "5.3.4");
        Assert.Empty(host.Hooks.Accepted);
        Assert.Empty(Directory.GetFiles(host.Spool.TempDirectory));
        (await c.CommandAsync("NOOP")).AssertCode(250);
    }

    [Fact]
    public async Task Bdat_chunks_are_stored_as_sent()
    {
        await using var c = await OpenTransactionAsync();
        var part1 = "Subject: chunks\r\n\r\nfirst ";
        var part2 = "part\r\n.not stuffed\r\n";
        await c.SendAsync($"BDAT {part1.Length}\r\n{part1}");
        (await c.ReadReplyAsync()).AssertCode(250, "2.0.0");
        await c.SendAsync($"BDAT {part2.Length} LAST\r\n{part2}");
        var id = QueueIdOf((await c.ReadReplyAsync()).AssertCode(250, "2.0.0"));
        Assert.Equal(part1 + part2, Encoding.ASCII.GetString(_host.StoredContent(id)));
    }

    [Fact]
    public async Task Pipelined_bdat_chunks_get_one_reply_each()
    {
        await using var c = await SmtpTestClient.ConnectAsync(_host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        await c.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nBDAT 4\r\nab\r\nBDAT 3 LAST\r\nc\r\nQUIT\r\n");
        (await c.ReadReplyAsync()).AssertCode(250);
        (await c.ReadReplyAsync()).AssertCode(250);
        (await c.ReadReplyAsync()).AssertCode(250);
        var id = QueueIdOf((await c.ReadReplyAsync()).AssertCode(250));
        (await c.ReadReplyAsync()).AssertCode(221);
        Assert.Equal("ab\r\nc\r\n", Encoding.ASCII.GetString(_host.StoredContent(id)));
    }

    [Fact]
    public async Task Bdat_with_a_bare_lf_is_refused_550_5_5_2()
    {
        await using var c = await OpenTransactionAsync();
        await c.SendAsync("BDAT 9 LAST\r\nab\ncd\r\n\r\n");
        (await c.ReadReplyAsync()).AssertCode(550, "5.5.2");
    }

    [Fact]
    public async Task Bdat_without_recipients_is_read_and_refused_503()
    {
        await using var c = await SmtpTestClient.ConnectAsync(_host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        await c.SendAsync("BDAT 6 LAST\r\nNOOP\r\n");
        (await c.ReadReplyAsync()).AssertCode(503, "5.5.1");
        (await c.CommandAsync("NOOP")).AssertCode(250); // the chunk was not taken for a command
    }

    [Fact]
    public async Task Data_after_bdat_in_the_same_transaction_is_refused_503()
    {
        await using var c = await OpenTransactionAsync();
        await c.SendAsync("BDAT 4\r\nab\r\n");
        (await c.ReadReplyAsync()).AssertCode(250);
        (await c.CommandAsync("DATA")).AssertCode(503, "5.5.1");
    }

    [Fact]
    public async Task Bdat_over_the_size_limit_is_refused_552_5_3_4()
    {
        await using var host = await EngineHost.StartAsync(l => l.MaxMessageSize = 65536);
        await using var c = await OpenTransactionAsync(host.PlainPort);
        var chunk = new string('z', 70000);
        await c.SendAsync($"BDAT {chunk.Length} LAST\r\n{chunk}");
        (await c.ReadReplyAsync()).AssertCode(552, "5.3.4");
        Assert.Empty(host.Hooks.Accepted);
    }

    [Fact]
    public async Task Bdat_with_a_bad_size_closes_the_session_501()
    {
        await using var c = await OpenTransactionAsync();
        (await c.CommandAsync("BDAT many")).AssertCode(501, "5.5.4");
        Assert.True(await c.IsClosedByServerAsync());
    }
}
