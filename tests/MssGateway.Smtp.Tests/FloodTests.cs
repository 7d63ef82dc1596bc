using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// A client that streams commands and never reads a reply (the attack of issue 18: 60 MB of EHLO
/// lines raised the gateway's memory by a gigabyte). Replies are bounded (flushed and awaited past a few
/// KB), so the server stops reading, TCP pushes back on the client, and the session is cut when its
/// replies stay unread for the flush timeout.
/// </summary>
public sealed class FloodTests
{
    private const long FloodBytes = 60L * 1024 * 1024;

    private static async Task<long> FloodAsync(Socket socket, string line)
    {
        var block = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(line, 64 * 1024 / line.Length)));
        long sent = 0;
        while (sent < FloodBytes)
        {
            var send = socket.SendAsync(block, SocketFlags.None);
            try
            {
                await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(3)));
                if (send.IsFaulted)
                {
                    await send;
                }
            }
            catch (SocketException)
            {
                break; // the server closed the connection
            }

            if (await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(3))) != send)
            {
                _ = send.ContinueWith(t => t.Exception, TaskScheduler.Default); // faults once the server cuts the connection
                break; // the server stopped reading: TCP backpressure reached the client
            }

            sent += await send;
        }

        return sent;
    }

    [Fact]
    public async Task A_client_flooding_unread_commands_is_stopped_by_backpressure_and_cut_with_bounded_memory()
    {
        var clock = new FakeTimeProvider();
        await using var host = await EngineHost.StartAsync(time: clock);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", host.PlainPort);
        _ = await socket.ReceiveAsync(new byte[512], SocketFlags.None); // the greeting: a flood before it is refused at once (PregreetTests)
        GC.Collect();
        var before = Process.GetCurrentProcess().WorkingSet64;

        var sent = await FloodAsync(socket, "EHLO flood.example.test\r\n");

        var grown = Process.GetCurrentProcess().WorkingSet64 - before;
        Assert.True(sent < FloodBytes / 2, $"the server kept reading: the client sent {sent / 1048576} MB without reading a reply");
        Assert.True(grown < 256L * 1024 * 1024, $"the process grew by {grown / 1048576} MB while the client flooded");

        var ended = WaitForSessionEndAsync(host);
        var waited = await clock.AdvanceUntilAsync(ended, TimeSpan.FromSeconds(5));
        Assert.Equal("timeout", (await ended).EndReason);
        Assert.InRange(waited, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)); // ReplyFlushTimeout, not the 5-minute command timeout
        Assert.Equal(0, host.Server.ActiveSessions("plain"));
    }

    [Fact]
    public async Task A_flood_before_starttls_is_cut_by_the_command_budget()
    {
        await using var host = await EngineHost.StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", host.StartTlsPort);
        // After the greeting: a flood that starts before it is cut earlier still (PregreetTests).
        _ = await socket.ReceiveAsync(new byte[512], SocketFlags.None);
        _ = await FloodAsync(socket, "EHLO flood.example.test\r\n");
        var summary = await WaitForSessionEndAsync(host);
        Assert.Equal("too_many_commands_before_tls", summary.LastRefusalReason);
        Assert.Equal(421, summary.LastReplyCode);
    }

    private static async Task<SmtpSessionSummary> WaitForSessionEndAsync(EngineHost host)
    {
        while (host.Hooks.Sessions.IsEmpty)
        {
            await Task.Delay(20);
        }

        return host.Hooks.Sessions.Single();
    }
}
