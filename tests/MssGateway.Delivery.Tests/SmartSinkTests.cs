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
            using var client = await ConnectAsync(port, sink);
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

    [Fact]
    public async Task The_stats_name_the_wall_clock_time_of_the_latest_accepted_message_not_of_the_last_refresh()
    {
        var port = MssGateway.Testing.FreePort.Next();
        var stats = Path.Combine(Path.GetTempPath(), $"smart-sink-{Guid.NewGuid():N}.stats");
        using var sink = Start("--port", port.ToString(CultureInfo.InvariantCulture), "--stats", stats);
        try
        {
            using var client = await ConnectAsync(port, sink);
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            Assert.StartsWith("220 ", await reader.ReadLineAsync());
            Assert.Equal(0, LastAccepted(await StatsAsync(stats, line => line.Contains("accepted=0 ", StringComparison.Ordinal))));

            await stream.WriteAsync("HELO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"u8.ToArray());
            for (var i = 0; i < 3; i++)
            {
                Assert.StartsWith("250 ", await reader.ReadLineAsync());
            }

            Assert.StartsWith("354 ", await reader.ReadLineAsync());
            var before = UnixMicroseconds();
            await stream.WriteAsync("Subject: t\r\n\r\nbody\r\n.\r\n"u8.ToArray());
            Assert.StartsWith("250 ", await reader.ReadLineAsync());
            var after = UnixMicroseconds();

            // A transaction abandoned with RSET later does not move it: only a message accepted does.
            await stream.WriteAsync("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nRSET\r\n"u8.ToArray());
            for (var i = 0; i < 3; i++)
            {
                Assert.StartsWith("250 ", await reader.ReadLineAsync());
            }

            // Read once the file was written after the RSET's replies (it is rewritten every 200 ms), not after a fixed wait.
            var rsetDone = DateTime.UtcNow;
            var last = LastAccepted(await StatsAsync(stats, line => line.Contains("accepted=1 ", StringComparison.Ordinal) && File.GetLastWriteTimeUtc(stats) > rsetDone));
            Assert.InRange(last, before, after);
        }
        finally
        {
            sink.Kill(entireProcessTree: true);
            await sink.WaitForExitAsync();
            File.Delete(stats);
        }
    }

    private static long UnixMicroseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static long LastAccepted(string stats) =>
        long.Parse(stats.Split(' ').Single(f => f.StartsWith("last_accepted_unix_us=", StringComparison.Ordinal))["last_accepted_unix_us=".Length..], CultureInfo.InvariantCulture);

    private static async Task<string> StatsAsync(string path, Func<string, bool> until)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var line = File.Exists(path) ? (await File.ReadAllTextAsync(path)).Trim() : "";
            if (until(line))
            {
                return line;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"the sink's stats never matched: '{line}'");
            await Task.Delay(50);
        }
    }

    private static async Task<TcpClient> ConnectAsync(int port, Process sink)
    {
        var client = new TcpClient();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await client.ConnectAsync("127.0.0.1", port);
                return client;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30) && !sink.HasExited)
            {
                await Task.Delay(100);
            }
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
