using System.Diagnostics;
using System.Globalization;
using System.Text;
using MssGateway.Spool;

namespace MssGateway.DeliveryBench;

/// <summary>
/// Fills a spool's <c>incoming/</c> directly (the queue-scale benchmark's million messages; through the
/// accept path that would take a quarter of an hour): N messages of about SIZE octets from one sender to
/// one recipient, in the accept path's file format, made durable by one syncfs at the end.
/// </summary>
internal static class FillMode
{
    public static int Run(BenchArguments args)
    {
        var spool = new MessageSpool(args.Get("spool") ?? throw new ArgumentException("--spool is required"));
        var count = args.Int("messages", 1_000_000);
        var size = args.Int("size", 1024);
        var sender = args.Get("sender") ?? "dev.sender@hopital-dev.mssante.test";
        var recipient = args.Get("rcpt") ?? "dev.recipient@hopital-dev.mssante.test";
        var import = new SpoolBulkImport(spool);
        var line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";
        var started = Stopwatch.StartNew();
        var now = DateTimeOffset.UtcNow;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var head = $"Message-ID: <fill-{i}@bench.test>\r\nFrom: {sender}\r\nTo: {recipient}\r\nSubject: queue scale\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
            var body = new StringBuilder(head, size + line.Length);
            while (body.Length < size)
            {
                body.Append(line);
            }

            var id = QueueId.New();
            import.Add(
                new SpoolEnvelope { QueueId = id, ReceivedAt = now, Sender = sender, Recipients = [new SpoolRecipient { Address = recipient }], Body = "7BIT" },
                Encoding.ASCII.GetBytes(body.ToString()));
        });
        import.Complete();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"filled messages={count} size={size} seconds={started.Elapsed.TotalSeconds:0.0}"));
        return 0;
    }
}
