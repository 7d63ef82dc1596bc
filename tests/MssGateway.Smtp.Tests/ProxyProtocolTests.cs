using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// HAProxy PROXY protocol v1/v2 on a listener behind a load balancer: the client address survives the
/// balancer (logs, per-IP limits, Received), only trusted balancers may speak it, and anything that is not
/// a valid header is closed without a greeting.
/// </summary>
public sealed class ProxyProtocolTests : IClassFixture<EngineHostFixture>
{
    private readonly EngineHost _host;

    public ProxyProtocolTests(EngineHostFixture fixture)
    {
        _host = fixture.Host;
    }

    private static byte[] V2(byte command, byte family, byte[] addresses)
    {
        byte[] signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
        return [.. signature, (byte)(0x20 | command), family, (byte)(addresses.Length >> 8), (byte)addresses.Length, .. addresses];
    }

    private static byte[] V2Tcp4(string source, int sourcePort, string destination, int destinationPort) =>
        V2(1, 0x11, [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(), (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort]);

    private async Task<SmtpTestClient> ConnectAsync(byte[] header, int? port = null)
    {
        var c = await SmtpTestClient.ConnectAsync(port ?? _host.ProxiedPort);
        await c.SendBytesAsync(header);
        return c;
    }

    /// <summary>Sends the header and reports whether the server closed (or reset) the connection without a greeting.</summary>
    private async Task<bool> ClosedWithoutGreetingAsync(byte[] header, int? port = null)
    {
        try
        {
            await using var c = await ConnectAsync(header, port);
            return await c.IsClosedByServerAsync();
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            return true; // reset before the header was even written: closed all the same
        }
    }

    [Fact]
    public async Task A_v1_header_from_a_trusted_balancer_gives_the_session_the_clients_address()
    {
        await using var c = await ConnectAsync(Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.10 198.51.100.1 40000 25\r\n"));
        (await c.ReadReplyAsync()).AssertCode(220);
        Assert.Contains("[192.0.2.10]", (await c.CommandAsync("EHLO client.test")).AssertCode(250).Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_v2_header_gives_the_session_the_clients_ipv4_address()
    {
        await using var c = await ConnectAsync(V2Tcp4("192.0.2.20", 50000, "198.51.100.1", 587));
        (await c.ReadReplyAsync()).AssertCode(220);
        Assert.Contains("[192.0.2.20]", (await c.CommandAsync("EHLO client.test")).AssertCode(250).Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_v2_header_gives_the_session_the_clients_ipv6_address()
    {
        var src = IPAddress.Parse("2001:db8::7").GetAddressBytes();
        var dst = IPAddress.Parse("2001:db8::1").GetAddressBytes();
        await using var c = await ConnectAsync(V2(1, 0x21, [.. src, .. dst, 0xC3, 0x50, 0x02, 0x4B]));
        (await c.ReadReplyAsync()).AssertCode(220);
        Assert.Contains("[2001:db8::7]", (await c.CommandAsync("EHLO client.test")).AssertCode(250).Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_v2_local_header_keeps_the_balancers_own_address()
    {
        await using var c = await ConnectAsync(V2(0, 0x00, []));
        (await c.ReadReplyAsync()).AssertCode(220);
        Assert.Contains("[127.0.0.1]", (await c.CommandAsync("EHLO client.test")).AssertCode(250).Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_without_a_header_on_a_proxy_listener_is_closed_without_a_greeting()
    {
        Assert.True(await ClosedWithoutGreetingAsync(Encoding.ASCII.GetBytes("EHLO client.test\r\n")));
    }

    [Theory]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 40000\r\n")] // a port missing
    [InlineData("PROXY TCP4 2001:db8::1 198.51.100.1 40000 25\r\n")] // family mismatch
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 040000 25\r\n")] // leading zero
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 70000 25\r\n")] // port out of range
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 40000 25\n")] // bare LF
    public async Task A_malformed_v1_header_is_closed_without_a_greeting(string header)
    {
        Assert.True(await ClosedWithoutGreetingAsync(Encoding.ASCII.GetBytes(header)));
    }

    [Fact]
    public async Task A_header_from_an_untrusted_peer_is_closed_without_a_greeting()
    {
        // The attacker's move: connect to the proxy listener directly and claim to be someone else.
        Assert.True(await ClosedWithoutGreetingAsync(Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.10 198.51.100.1 40000 25\r\n"), _host.ProxiedUntrustedPort));
    }

    [Fact]
    public async Task Per_client_limits_apply_to_the_address_in_the_header()
    {
        await using var host = await EngineHost.StartAsync(l => l.MaxConcurrentSessionsPerClient = 1);
        await using var first = await SmtpTestClient.ConnectAsync(host.ProxiedPort);
        await first.SendAsync("PROXY TCP4 192.0.2.30 198.51.100.1 40000 25\r\n");
        (await first.ReadReplyAsync()).AssertCode(220);
        await using var other = await SmtpTestClient.ConnectAsync(host.ProxiedPort);
        await other.SendAsync("PROXY TCP4 192.0.2.31 198.51.100.1 40001 25\r\n");
        (await other.ReadReplyAsync()).AssertCode(220); // same balancer, another client
        await using var same = await SmtpTestClient.ConnectAsync(host.ProxiedPort);
        await same.SendAsync("PROXY TCP4 192.0.2.30 198.51.100.1 40002 25\r\n");
        (await same.ReadReplyAsync()).AssertCode(421, "4.7.0");
    }

    [Fact]
    public async Task A_balancer_that_sends_no_header_is_cut_after_the_header_timeout()
    {
        var clock = new FakeTimeProvider();
        await using var host = await EngineHost.StartAsync(time: clock);
        await using var c = await SmtpTestClient.ConnectAsync(host.ProxiedPort);
        var closed = c.IsClosedByServerAsync();
        var waited = await clock.AdvanceUntilAsync(closed, TimeSpan.FromSeconds(1));
        Assert.True(await closed);
        Assert.InRange(waited, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void A_header_split_across_reads_is_incomplete_until_it_ends()
    {
        var full = Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::7 2001:db8::1 40000 25\r\nEHLO x\r\n");
        var end = Array.IndexOf(full, (byte)'\n') + 1;
        for (var cut = 1; cut < end; cut++)
        {
            Assert.Equal(ProxyHeaderStatus.Incomplete, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(full, 0, cut), out _, out _, out _));
        }

        Assert.Equal(ProxyHeaderStatus.Complete, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(full), out var length, out var source, out _));
        Assert.Equal(end, length);
        Assert.Equal(IPAddress.Parse("2001:db8::7"), source!.Address);
    }

    [Fact]
    public void A_v1_line_longer_than_107_octets_is_invalid()
    {
        var line = Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 120) + "\r\n");
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(line), out _, out _, out _));
    }

    [Fact]
    public void A_v2_block_longer_than_the_bound_is_invalid()
    {
        var header = V2(1, 0x11, new byte[ProxyProtocolHeader.MaxV2Length + 1]);
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(header), out _, out _, out _));
    }

    [Theory]
    [InlineData((byte)0x12)] // UDP over IPv4
    [InlineData((byte)0x31)] // UNIX stream
    public void A_v2_header_for_another_transport_is_invalid(byte family)
    {
        var header = V2(1, family, new byte[216]);
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(header), out _, out _, out _));
    }

    [Fact]
    public void Listener_validation_names_a_bad_cidr_and_a_missing_list()
    {
        var missing = new SmtpListenerOptionsValidator("Gateway:Listeners:0").Validate(null, new SmtpListenerOptions { ProxyProtocol = true }).Failures!;
        Assert.Contains(missing, e => e.StartsWith("Gateway:Listeners:0:ProxyProtocolTrustedNetworks is empty", StringComparison.Ordinal));
        var bad = new SmtpListenerOptionsValidator("Gateway:Listeners:1").Validate(null, new SmtpListenerOptions { ProxyProtocol = true, ProxyProtocolTrustedNetworks = ["10.0.0.0/33"] }).Failures!;
        Assert.Contains(bad, e => e.StartsWith("Gateway:Listeners:1:ProxyProtocolTrustedNetworks:0 '10.0.0.0/33'", StringComparison.Ordinal));
    }
}
