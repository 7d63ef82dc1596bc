using System.Text;

namespace MssGateway.Delivery.Tests;

/// <summary>What the next hop may send as a reply (RFC 5321 §4.2.1), and what ends the session: every shape a hostile or broken server can produce.</summary>
public sealed class RemoteReplyReaderTests
{
    private static async Task<RemoteReply> ReadAsync(string wire)
    {
        using var reader = new RemoteReplyReader(new MemoryStream(Encoding.UTF8.GetBytes(wire)));
        return await reader.ReadAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_multi_line_reply_keeps_every_line_and_its_code()
    {
        var reply = await ReadAsync("250-mx.operateur-b.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250 CHUNKING\r\n");
        Assert.Equal(250, reply.Code);
        Assert.Equal(["mx.operateur-b.test", "PIPELINING", "SIZE 52428800", "CHUNKING"], reply.Lines);
        var peer = PeerCapabilities.Parse(reply);
        Assert.True(peer.Has(PeerExtensions.Pipelining | PeerExtensions.Chunking));
        Assert.Equal(52428800, peer.MaxSize);
    }

    [Theory]
    [InlineData("250\r\n", 250)]
    [InlineData("550 5.1.1 <x@y>: user unknown\n", 550)] // a bare LF is tolerated
    [InlineData("421 4.3.2 closing\r\n", 421)]
    public async Task Short_and_bare_LF_replies_are_read(string wire, int code) => Assert.Equal(code, (await ReadAsync(wire)).Code);

    [Theory]
    [InlineData("hello\r\n")] // no code
    [InlineData("199 below 2yz\r\n")]
    [InlineData("650 above 5yz\r\n")]
    [InlineData("25 short\r\n")]
    [InlineData("250-first\r\n550 then another code\r\n")]
    [InlineData("250+neither space nor hyphen\r\n")]
    public async Task A_reply_that_is_not_SMTP_is_a_protocol_error(string wire) =>
        await Assert.ThrowsAsync<RemoteProtocolException>(() => ReadAsync(wire));

    [Fact]
    public async Task A_line_longer_than_the_limit_is_a_protocol_error_not_an_unbounded_buffer() =>
        await Assert.ThrowsAsync<RemoteProtocolException>(() => ReadAsync("250 " + new string('x', RemoteReplyReader.MaxLineLength + 10) + "\r\n"));

    [Fact]
    public async Task A_reply_of_too_many_lines_is_a_protocol_error() =>
        await Assert.ThrowsAsync<RemoteProtocolException>(() => ReadAsync(string.Concat(Enumerable.Repeat("250-more\r\n", RemoteReplyReader.MaxLines + 1)) + "250 end\r\n"));

    [Fact]
    public async Task A_connection_closed_mid_reply_is_an_IO_error() =>
        await Assert.ThrowsAsync<IOException>(() => ReadAsync("250-first line and then noth"));
}
