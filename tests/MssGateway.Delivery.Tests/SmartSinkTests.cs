using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// The benchmark's smart sink (bench/DeliveryBench "sink") stands for a peer across a WAN with <c>--rtt-ms</c>:
/// its replies must never arrive before the round trip, must stay in order, and a pipelined group must cost
/// one round trip, not one per command — else the pipelining figures of docs/benchmarks.md measure the tool.
/// </summary>
public sealed class SmartSinkTests
{
    private const int RoundTripMs = 400;

    [Fact]
    public async Task With_a_round_trip_replies_come_late_in_order_and_a_pipelined_group_pays_it_once()
    {
        var port = MssGateway.Testing.FreePort.Next();
        using var sink = Start("--port", port.ToString(CultureInfo.InvariantCulture), "--rtt-ms", RoundTripMs.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var client = new TcpClient();
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    await client.ConnectAsync("127.0.0.1", port);
                    break;
                }
                catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30) && !sink.HasExited)
                {
                    await Task.Delay(100);
                }
            }

            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            Assert.StartsWith("220 ", await reader.ReadLineAsync());

            // One command, one round trip at least.
            var clock = Stopwatch.StartNew();
            await stream.WriteAsync("EHLO client.test\r\n"u8.ToArray());
            string? line;
            while ((line = await reader.ReadLineAsync()) is not null && line.StartsWith("250-", StringComparison.Ordinal))
            {
            }

            Assert.StartsWith("250 ", line);
            Assert.True(clock.ElapsedMilliseconds >= RoundTripMs - 20, $"the EHLO reply came after {clock.ElapsedMilliseconds} ms");

            // Three commands sent one after the other's reply: three round trips.
            clock.Restart();
            foreach (var command in new[] { "MAIL FROM:<a@x.test>\r\n", "RCPT TO:<b@y.test>\r\n", "RSET\r\n" })
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(command));
                Assert.StartsWith("250 2.", await reader.ReadLineAsync());
            }

            var sequential = clock.ElapsedMilliseconds;
            Assert.True(sequential >= (3 * RoundTripMs) - 60, $"three sequential commands took {sequential} ms");

            // The same group pipelined, then a chunk: its replies in order, after one round trip, not three.
            clock.Restart();
            await stream.WriteAsync("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nBDAT 5 LAST\r\nhello"u8.ToArray());
            Assert.Equal("250 2.1.0 ok", await reader.ReadLineAsync());
            Assert.Equal("250 2.1.5 ok", await reader.ReadLineAsync());
            Assert.Equal("250 2.0.0 ok: queued", await reader.ReadLineAsync());
            var pipelined = clock.ElapsedMilliseconds;
            Assert.True(pipelined >= RoundTripMs - 20, $"the pipelined group's replies came after {pipelined} ms");
            Assert.True(pipelined < sequential, $"pipelined {pipelined} ms, sequential {sequential} ms");

            await stream.WriteAsync("QUIT\r\n"u8.ToArray());
            Assert.StartsWith("221 ", await reader.ReadLineAsync());
        }
        finally
        {
            sink.Kill(entireProcessTree: true);
            await sink.WaitForExitAsync();
        }
    }

    private static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DeliveryBench.dll"));
        psi.ArgumentList.Add("sink");
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start DeliveryBench");
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }
}
