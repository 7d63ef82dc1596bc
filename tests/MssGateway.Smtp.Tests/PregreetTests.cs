using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// A client that talks before the greeting (SmtpServerLimits.RefusePregreet, docs/smtp.md): bench/abuse.sh's
/// flood writes its EHLO lines as soon as it connects. It gets 554 5.5.1 pregreet instead of the 220 and is
/// closed before any command of it is parsed or answered.
/// </summary>
public sealed class PregreetTests
{
    [Fact]
    public async Task A_client_that_sends_before_the_greeting_gets_554_pregreet_and_no_command_is_answered()
    {
        await using var host = await EngineHost.StartAsync();
        var (replies, sessions) = await TalkFirstAsync(host, host.StartTlsPort, "EHLO flood.example.test\r\nEHLO flood.example.test\r\nSTARTTLS\r\n");

        Assert.Equal("554 5.5.1 Client sent data before the greeting, closing connection (pregreet)", Assert.Single(replies));
        var summary = Assert.Single(sessions);
        Assert.Equal(SmtpEndReason.Refused, summary.End);
        Assert.Equal("pregreet", summary.LastRefusalReason);
    }

    [Fact]
    public async Task One_octet_before_the_greeting_is_enough_on_a_plain_listener_too()
    {
        await using var host = await EngineHost.StartAsync();
        var (replies, _) = await TalkFirstAsync(host, host.PlainPort, "\r\n");

        Assert.StartsWith("554 5.5.1 ", Assert.Single(replies), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_check_off_the_early_client_gets_the_greeting_and_its_answers()
    {
        await using var host = await EngineHost.StartAsync(limits: l => l.RefusePregreet = false);
        var (replies, _) = await TalkFirstAsync(host, host.PlainPort, "EHLO early.example.test\r\nQUIT\r\n");

        Assert.StartsWith("220 ", replies[0], StringComparison.Ordinal);
        Assert.Contains(replies, r => r.StartsWith("250 ", StringComparison.Ordinal));
        Assert.StartsWith("221 ", replies[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_waits_for_the_greeting_then_pipelines_is_served()
    {
        // What every MTA does: the greeting, then EHLO; with PIPELINING, the rest of a transaction in one write.
        await using var host = await EngineHost.StartAsync();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, host.PlainPort);
        Assert.StartsWith("220 ", (await ReadAllAsync(client, 1))[0], StringComparison.Ordinal);
        await client.SendAsync("EHLO mta.example.test\r\nNOOP\r\nQUIT\r\n"u8.ToArray(), SocketFlags.None);

        var replies = await ReadAllAsync(client, int.MaxValue);
        Assert.StartsWith("250 ", replies[^3], StringComparison.Ordinal);
        Assert.StartsWith("250 ", replies[^2], StringComparison.Ordinal);
        Assert.StartsWith("221 ", replies[^1], StringComparison.Ordinal);
    }

    /// <summary>
    /// Connects while the session is held before its greeting, sends <paramref name="early"/>, and lets the
    /// session go on once the gateway's transport has read it (both kernel queues empty): no race with the check.
    /// </summary>
    private static async Task<(List<string> Replies, SmtpSessionSummary[] Sessions)> TalkFirstAsync(EngineHost host, int port, string early)
    {
        host.Hooks.HoldConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, port);
        await client.SendAsync(Encoding.ASCII.GetBytes(early), SocketFlags.None);
        var local = ((IPEndPoint)client.LocalEndPoint!).Port;
        for (var i = 0; i < 200 && TcpQueues.Now(local, port) != (0, 0); i++)
        {
            await Task.Delay(10); // the kernel handing the octets over, not a clock under test
        }

        Assert.Equal((0L, 0L), TcpQueues.Now(local, port));
        host.Hooks.HoldConnected.TrySetResult();
        var replies = await ReadAllAsync(client, int.MaxValue);
        for (var i = 0; i < 200 && host.Hooks.Sessions.IsEmpty; i++)
        {
            await Task.Delay(10); // the session's end is reported after the connection closes
        }

        host.Hooks.HoldConnected = null;
        return (replies, host.Hooks.Sessions.ToArray());
    }

    /// <summary>Reply lines until <paramref name="count"/> of them or the connection closes.</summary>
    private static async Task<List<string>> ReadAllAsync(Socket socket, int count)
    {
        var lines = new List<string>();
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (lines.Count < count)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (SocketException)
            {
                break; // reset after the close
            }

            if (n == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
            var all = text.ToString();
            var end = all.LastIndexOf("\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            lines.AddRange(all[..end].Split("\r\n").Where(l => l.Length >= 4 && l[3] == ' '));
            text.Clear().Append(all[(end + 2)..]);
        }

        return lines;
    }
}
