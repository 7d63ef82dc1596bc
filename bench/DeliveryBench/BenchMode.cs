using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MssGateway.Delivery;
using MssGateway.Spool;

namespace MssGateway.DeliveryBench;

/// <summary>
/// Fills a fresh spool with N messages, then times the scheduler delivering them all to an
/// in-process SMTP sink over loopback (plain SMTP: the figure is the queue's own cost — claim,
/// parse, send, delete with directory fsync — not TLS).
/// </summary>
internal static class BenchMode
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        var count = args.Int("messages", 2000);
        var size = args.Int("size", 20_000);
        var workers = args.Int("workers", 16);
        var root = Path.Combine(Path.GetTempPath(), "mssgw-delivery-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var spool = new MessageSpool(Path.Combine(root, "spool"));
            var body = Body(size);
            var fill = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                await using var w = spool.BeginMessage();
                await w.WriteAsync(Encoding.ASCII.GetBytes($"Message-ID: <bench-{i}@bench.test>\r\nFrom: a@{DeliveryStack.LocalDomain}\r\nTo: b@{DeliveryStack.LocalDomain}\r\nSubject: bench\r\nX-MSS-NIL: bench\r\n\r\n"), CancellationToken.None);
                await w.WriteAsync(body, CancellationToken.None);
                await w.CommitAsync(
                    new SpoolEnvelope { QueueId = w.QueueId, ReceivedAt = DateTimeOffset.UtcNow, Sender = "a@" + DeliveryStack.LocalDomain, Recipients = [new SpoolRecipient { Address = "b@" + DeliveryStack.LocalDomain }] },
                    CancellationToken.None);
            }

            fill.Stop();
            await using var sink = new SinkServer();
            await using var services = DeliveryStack.Build(spool, sink.Port, workers);
            var scheduler = services.GetRequiredService<DeliveryScheduler>();
            var run = Stopwatch.StartNew();
            await scheduler.StartAsync(CancellationToken.None);
            while (sink.Messages < count || spool.List(SpoolState.Incoming).Count + spool.List(SpoolState.Active).Count > 0)
            {
                await Task.Delay(20);
            }

            run.Stop();
            await scheduler.StopAsync(CancellationToken.None);
            var seconds = run.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"messages={count} size={size}B workers={workers} spool_fill={count / fill.Elapsed.TotalSeconds:0} msg/s delivery={count / seconds:0} msg/s ({count * (double)size / seconds / 1e6:0.0} MB/s) total={seconds:0.00}s deferred={spool.List(SpoolState.Deferred).Count}"));
            return 0;
        }
        finally
        {
            System.IO.Directory.Delete(root, recursive: true);
        }
    }

    internal static byte[] Body(int size)
    {
        var line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.\r\n"u8.ToArray();
        var body = new byte[size];
        for (var i = 0; i < size; i++)
        {
            body[i] = line[i % line.Length];
        }

        if (size >= 2)
        {
            body[^2] = (byte)'\r';
            body[^1] = (byte)'\n';
        }

        return body;
    }
}
