using System.Diagnostics;
using System.Globalization;
using MssGateway.Directory.Redis;
using MssGateway.Directory.Tests.Fixtures;
using StackExchange.Redis;

// Benchmark helper for docs/directory.md "Benchmark" (run through run.sh):
//   gen-ldif N FILE          LDIF of N synthetic mailboxes (slapadd)
//   gen-flat N FILE          the same N mailboxes as Extraction_Correspondance_MSSante (31 columns, 10% duplicate lines)
//   lookups REDIS PREFIX N SECONDS CONCURRENCY CACHE [HOT]
//                            gateway-side lookups by address through RedisMailboxDirectory; prints ops/s and latency percentiles.
//                            HOT > 0: 80 % of lookups go to the first HOT mailboxes (busy senders/recipients), else uniform.
var inv = CultureInfo.InvariantCulture;
switch (args.FirstOrDefault())
{
    case "gen-ldif":
    {
        await using var w = new StreamWriter(args[2]) { NewLine = "\n" };
        DirectoryDataGenerator.WriteLdif(w, int.Parse(args[1], inv));
        return 0;
    }

    case "gen-flat":
    {
        await using var w = new StreamWriter(args[2]) { NewLine = "\n" };
        DirectoryDataGenerator.WriteFlatFile(w, int.Parse(args[1], inv));
        return 0;
    }

    case "lookups":
    {
        var count = int.Parse(args[3], inv);
        var seconds = double.Parse(args[4], inv);
        var concurrency = int.Parse(args[5], inv);
        var cache = int.Parse(args[6], inv);
        var hot = args.Length > 7 ? int.Parse(args[7], inv) : 0;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(args[1]);
        await using var directory = new RedisMailboxDirectory(redis, new RedisDirectoryOptions { Configuration = args[1], KeyPrefix = args[2], CacheSize = cache });
        var until = Stopwatch.StartNew();
        var all = new List<double>[concurrency];
        long misses = 0;
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var latencies = all[w] = new List<double>(1 << 16);
            while (until.Elapsed.TotalSeconds < seconds)
            {
                // 9 in 10 lookups hit an existing mailbox, 1 in 10 an unknown one (a refused RCPT).
                var i = hot > 0 && random.Next(10) < 8 ? random.Next(hot) : random.Next(count);
                var address = i % 10 == 9 ? $"unknown{i}@nowhere.mssante.test" : DirectoryDataGenerator.Address(i);
                var t = Stopwatch.GetTimestamp();
                var found = await directory.FindByAddressAsync(address, CancellationToken.None);
                latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                if (found is null && i % 10 != 9)
                {
                    Interlocked.Increment(ref misses);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var merged = all.SelectMany(l => l).Order().ToArray();
        double P(double q) => merged[Math.Min(merged.Length - 1, (int)(q * merged.Length))];
        Console.WriteLine(string.Create(inv, $"lookups={merged.Length} seconds={seconds} concurrency={concurrency} cache={cache} hot={hot} ops/s={merged.Length / seconds:0} p50_ms={P(0.50):0.000} p99_ms={P(0.99):0.000} p999_ms={P(0.999):0.000} max_ms={merged[^1]:0.000} unexpected_misses={misses}"));
        return misses == 0 ? 0 : 1;
    }

    default:
        Console.Error.WriteLine("usage: DirectoryBench gen-ldif N FILE | gen-flat N FILE | lookups REDIS PREFIX N SECONDS CONCURRENCY CACHE");
        return 2;
}
