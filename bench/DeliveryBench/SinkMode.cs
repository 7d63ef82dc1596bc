using System.Globalization;

namespace MssGateway.DeliveryBench;

/// <summary>
/// Runs the smart sink until SIGTERM or Ctrl-C, writing its counters every 200 ms to <c>--stats FILE</c>
/// (one line: connections, accepted, tempfailed, permfailed, and the Unix time in µs of the latest accepted message) for the benchmark scripts.
/// </summary>
internal static class SinkMode
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        var options = SinkOptions.FromArguments(args);
        await using var sink = new SinkServer(options);
        var statsFile = args.Get("stats");
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sink listening port={sink.Port} tls={options.Certificate is not null} tempfail={options.TempFailShare} permfail={options.PermFailShare} latency_ms={options.Latency.TotalMilliseconds} early_replies={options.EarlyReplies} rtt_ms={options.RoundTrip.TotalMilliseconds}"));
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (statsFile is not null)
                {
                    await File.WriteAllTextAsync(statsFile + ".tmp", sink.Stats() + "\n", CancellationToken.None);
                    File.Move(statsFile + ".tmp", statsFile, overwrite: true);
                }

                await Task.Delay(200, stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        Console.WriteLine("sink " + sink.Stats());
        return 0;
    }
}
