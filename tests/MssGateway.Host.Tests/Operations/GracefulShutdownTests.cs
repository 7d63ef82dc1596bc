using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace MssGateway.Host.Tests.Operations;

/// <summary>Issue 7.5: SIGTERM drains — readiness first, then no new sessions, the session in progress finishes, exit 0.</summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigterm_turns_readiness_off_refuses_new_sessions_finishes_the_data_in_progress_and_exits_0()
    {
        await using var gateway = await GatewayProcess.StartAsync(g => g["Shutdown"] = new System.Text.Json.Nodes.JsonObject
        {
            ["ReadinessDelay"] = "00:00:08", // wide enough for a loaded machine to see the 421 window
            ["DrainTimeout"] = "00:00:30",
        });
        await gateway.WaitForReadyzAsync((status, _) => status == HttpStatusCode.OK);

        using var session = new RawSmtp(gateway.RelayPort);
        Assert.StartsWith("220", await session.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await session.CommandAsync("EHLO client.test"), StringComparison.Ordinal);
        Assert.StartsWith("250", await session.CommandAsync($"MAIL FROM:<{TestMail.Sender}>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await session.CommandAsync($"RCPT TO:<{TestMail.Recipient}>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await session.CommandAsync("DATA"), StringComparison.Ordinal);
        await session.WriteAsync("Subject: drain\r\n\r\nfirst half of the body\r\n");

        output.WriteLine(DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture) + " SIGTERM");
        await gateway.SendSigtermAsync();

        // Readiness goes false while the listeners still answer: new sessions get 421 4.3.2.
        await gateway.WaitForReadyzAsync((status, body) => status == HttpStatusCode.ServiceUnavailable
            && !body.RootElement.GetProperty("checks").GetProperty("draining").GetProperty("ok").GetBoolean());
        using (var late = new RawSmtp(gateway.RelayPort))
        {
            Assert.StartsWith("421 4.3.2", await late.ReadReplyAsync(), StringComparison.Ordinal);
        }

        // Then the listeners close: connections are refused.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var refused = false;
        while (!refused && DateTime.UtcNow < deadline)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, gateway.RelayPort);
                await Task.Delay(200);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
            {
                refused = true;
            }
        }

        Assert.True(refused, "the SMTP listener still accepted connections during the drain");
        Assert.False(gateway.HasExited, "the gateway exited before the session in progress finished");

        // The DATA in progress completes and is acknowledged.
        await session.WriteAsync("second half\r\n.\r\n");
        var final = await session.ReadReplyAsync();
        Assert.StartsWith("250", final, StringComparison.Ordinal);
        var queueId = final.Split(' ').Last();
        Assert.True(File.Exists(Path.Combine(gateway.SpoolPath, "incoming", queueId)), "accepted message not in the spool");
        await session.TryQuitAsync();
        output.WriteLine(DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture) + " quit sent");

        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        output.WriteLine(DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture) + " exited");
        foreach (var line in gateway.StdOutLines)
        {
            output.WriteLine(line);
        }

        Assert.Contains(gateway.StdOutLines, l => l.Contains("\"EventId\":50", StringComparison.Ordinal));
    }

    /// <summary>A plain SMTP client speaking line by line (the drain test needs a DATA left half-sent).</summary>
    private sealed class RawSmtp : IDisposable
    {
        private readonly TcpClient _client = new();
        private readonly StreamReader _reader;
        private readonly NetworkStream _stream;

        public RawSmtp(int port)
        {
            _client.Connect(IPAddress.Loopback, port);
            _stream = _client.GetStream();
            _reader = new StreamReader(_stream, Encoding.ASCII);
        }

        public async Task<string> ReadReplyAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var text = new StringBuilder();
            while (true)
            {
                var line = await _reader.ReadLineAsync(cts.Token) ?? throw new IOException("connection closed; read so far: " + text);
                text.Append(line).Append('\n');
                if (line.Length < 4 || line[3] != '-')
                {
                    return text.ToString().TrimEnd();
                }
            }
        }

        public async Task WriteAsync(string text) => await _stream.WriteAsync(Encoding.ASCII.GetBytes(text));

        public async Task<string> CommandAsync(string command)
        {
            await WriteAsync(command + "\r\n");
            return await ReadReplyAsync();
        }

        public async Task TryQuitAsync()
        {
            try
            {
                await CommandAsync("QUIT");
            }
            catch (IOException)
            {
                // The server may close right after the last reply while draining.
            }
        }

        public void Dispose()
        {
            _reader.Dispose();
            _client.Dispose();
        }
    }
}
