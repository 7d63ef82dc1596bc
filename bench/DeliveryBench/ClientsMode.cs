using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailKit.Net.Smtp;
using MimeKit;
using MssGateway.Delivery;
using MssGateway.Spool;

namespace MssGateway.DeliveryBench;

/// <summary>
/// The outbound client question of issue 13, measured: MailKit's SmtpClient kept connected and reused
/// (each message parsed by MimeKit, as the gateway had to; MAIL and RCPT pipelined, DATA then its own
/// round trip) against the gateway's <see cref="OutboundSession"/> (the spooled bytes streamed, RSET MAIL
/// RCPT BDAT in one write), both to the same in-process sink over plain TCP, same messages, same
/// number of connections. Prints messages per second of each.
/// </summary>
internal static class ClientsMode
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        var count = args.Int("messages", 4000);
        var connections = args.Int("connections", 4);
        var size = args.Int("size", 20_000);
        var root = Path.Combine(Path.GetTempPath(), "mssgw-clients-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var spool = new MessageSpool(root);
            await using (var w = spool.BeginMessage())
            {
                await w.WriteAsync(Encoding.ASCII.GetBytes("Message-ID: <clients@bench.test>\r\nFrom: a@hopital-a.test\r\nTo: b@hopital-a.test\r\nSubject: bench\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"), CancellationToken.None);
                await w.WriteAsync(BenchMode.Body(size), CancellationToken.None);
                await w.CommitAsync(new SpoolEnvelope { QueueId = w.QueueId, ReceivedAt = DateTimeOffset.UtcNow, Sender = "a@hopital-a.test", Recipients = [new SpoolRecipient { Address = "b@hopital-a.test" }], Body = "7BIT" }, CancellationToken.None);
            }

            var message = spool.Open(SpoolState.Incoming, spool.List(SpoolState.Incoming)[0]);
            await using var sink = new SinkServer();
            for (var round = 0; round < 2; round++)
            {
                var mailkit = await TimeAsync(count, connections, _ => MailKitAsync(sink.Port, message, count / connections));
                var own = await TimeAsync(count, connections, _ => OwnAsync(sink.Port, message, count / connections));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round={round + 1} messages={count} connections={connections} size={size}B mailkit_reuse={mailkit:0} msg/s own_client={own:0} msg/s ratio={own / mailkit:0.00}"));
            }

            return 0;
        }
        finally
        {
            System.IO.Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<double> TimeAsync(int count, int connections, Func<int, Task> worker)
    {
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(worker));
        return count / watch.Elapsed.TotalSeconds;
    }

    private static async Task MailKitAsync(int port, SpoolMessage spooled, int messages)
    {
        using var client = new SmtpClient();
        // As the gateway used it: its own socket with TCP_NODELAY (without it, delayed ACKs cost ~40 ms a message).
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, port);
        await client.ConnectAsync(socket, "127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        var sender = new MailboxAddress(string.Empty, spooled.Envelope.Sender);
        var recipients = spooled.Envelope.Recipients.Select(r => new MailboxAddress(string.Empty, r.Address)).ToList();
        for (var i = 0; i < messages; i++)
        {
            await using var stream = spooled.OpenForDelivery();
            using var mime = await MimeMessage.LoadAsync(stream, persistent: true);
            await client.SendAsync(mime, sender, recipients);
        }

        await client.DisconnectAsync(quit: true);
    }

    private static async Task OwnAsync(int port, SpoolMessage spooled, int messages)
    {
        var settings = new OutboundSessionSettings { HeloName = "bench.test", Tls = NextHopTls.None, ChainPolicy = static () => null, AcceptCertificate = static (_, _) => true };
        var (session, failure) = await OutboundSession.OpenAsync(settings, new NextHopAddress("127.0.0.1", port), DateTimeOffset.UtcNow, null, null, CancellationToken.None);
        if (session is null)
        {
            throw new InvalidOperationException(failure!.ToString());
        }

        for (var i = 0; i < messages; i++)
        {
            using var content = OutboundContent.Open(spooled);
            await session.SendAsync(spooled.Envelope, spooled.Envelope.Recipients, content, CancellationToken.None);
        }

        await session.QuitAsync(CancellationToken.None);
    }
}
