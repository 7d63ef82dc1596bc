using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// What the socket transport reads of a connection its session is not reading
/// (<see cref="SmtpServerLimits.MaxReadBufferSize"/>, docs/smtp.md "Memory per connection"): a client that
/// keeps sending while its session waits (in a hook, behind a reply the client never reads) leaves the rest
/// in the kernel, not in the gateway's memory. Kestrel's own bound is 1 MB per connection.
/// </summary>
public sealed class ReadAheadTests
{
    private readonly ITestOutputHelper _output;

    public ReadAheadTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task A_client_sending_while_its_session_waits_is_read_at_most_the_read_ahead_bound()
    {
        await using var host = await EngineHost.StartAsync();
        var bound = new SmtpServerLimits().MaxReadBufferSize;
        host.Hooks.HoldMailFrom = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, host.PlainPort);
            await ReadReplyAsync(client);
            await client.SendAsync("EHLO attacker.test\r\n"u8.ToArray(), SocketFlags.None);
            await ReadReplyAsync(client);
            await client.SendAsync("MAIL FROM:<held@hopital.test>\r\n"u8.ToArray(), SocketFlags.None);

            // The session now waits in its MAIL FROM hook. Pipelined commands follow until the kernel takes no more.
            var block = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("NOOP\r\n", 64 * 1024 / 6)));
            client.Blocking = false;
            long sent = 0;
            for (var stalled = 0; stalled < 20 && sent < 64L * 1024 * 1024;)
            {
                var n = client.Send(block, 0, block.Length, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock || n == 0)
                {
                    stalled++;
                    await Task.Delay(10); // the kernel's queues, not a clock under test
                    continue;
                }

                Assert.Equal(SocketError.Success, error);
                sent += n;
                stalled = 0;
            }

            var local = ((IPEndPoint)client.LocalEndPoint!).Port;
            var (clientQueued, serverUnread) = await TcpQueues.SettledAsync(local, host.PlainPort);
            var readByGateway = sent - clientQueued - serverUnread;
            _output.WriteLine($"sent {sent}, in the client's send queue {clientQueued}, unread in the gateway's socket {serverUnread}: the gateway read {readByGateway}");

            // The attack must be able to send far more than the bound, or the test shows nothing.
            Assert.True(sent > 8 * bound, $"only {sent} octets could be sent");
            // One 4 KB block of the transport's pool past the bound at most (it reads a block, then sees the bound).
            Assert.True(readByGateway <= bound + 4096, $"the gateway read {readByGateway} octets ahead of a session that reads nothing (bound {bound})");
        }
        finally
        {
            host.Hooks.HoldMailFrom.TrySetResult();
        }
    }

    [Fact]
    public void The_configured_limit_is_the_socket_transport_bound()
    {
        // The gateway reads Gateway:Smtp:Limits with the configuration binder before the host is built, as here.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"{SmtpServerLimits.Section}:MaxReadBufferSize"] = "32768" })
            .Build();
        var limits = configuration.GetSection(SmtpServerLimits.Section).Get<SmtpServerLimits>()!;
        var transport = new SocketTransportOptions();
        Assert.Equal(1024 * 1024, transport.MaxReadBufferSize); // Kestrel's own

        SmtpSocketTransport.Apply(transport, limits);

        Assert.Equal(32768, transport.MaxReadBufferSize);
        SmtpSocketTransport.Apply(transport, new SmtpServerLimits());
        Assert.Equal(16 * 1024, transport.MaxReadBufferSize);
    }

    [Theory]
    [InlineData(4095, 512, 1000, true)]
    [InlineData(4096, 512, 1000, false)]
    [InlineData(16384, 512, 10000, true)]
    [InlineData(20000, 512, 10000, false)]
    public void A_bound_smaller_than_two_lines_is_refused_at_start_up(long bound, int commandLine, int textLine, bool refused)
    {
        var limits = new SmtpServerLimits { MaxReadBufferSize = bound, MaxCommandLineLength = commandLine, MaxTextLineLength = textLine };
        var result = new SmtpServerLimitsValidator().Validate(null, limits);

        Assert.Equal(refused, result.Failed);
        if (refused)
        {
            var failure = Assert.Single(result.Failures!);
            Assert.StartsWith("Gateway:Smtp:Limits:MaxReadBufferSize must be at least", failure, StringComparison.Ordinal);
        }
    }

    private static async Task ReadReplyAsync(Socket socket)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            Assert.True(n > 0, "connection closed");
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
            var lines = text.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            if (text.ToString().EndsWith("\r\n", StringComparison.Ordinal) && lines[^1].Length >= 4 && lines[^1][3] == ' ')
            {
                return;
            }
        }
    }
}
