using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MssGateway.Delivery.Tests;

/// <summary>One transaction the test server received.</summary>
public sealed record ReceivedTransaction(string MailFrom, IReadOnlyList<string> RcptTo, byte[] Data, string? ClientCertificateSubject, bool Tls)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>Where <see cref="TestSmtpServer.DropAt"/> closes the connection without a word.</summary>
public enum SessionStage
{
    None,

    /// <summary>Right after accepting the TCP connection, before the greeting.</summary>
    Greeting,

    /// <summary>On EHLO, before answering.</summary>
    Ehlo,

    /// <summary>On MAIL, before answering.</summary>
    Mail,

    /// <summary>On RCPT, before answering.</summary>
    Rcpt,

    /// <summary>On DATA, before the 354.</summary>
    Data,

    /// <summary>After the 354 (or the BDAT command), with half the message read.</summary>
    MidData,

    /// <summary>After the whole message was read and kept (counted as received), before the final reply: RFC 5321 §6.1's window.</summary>
    BeforeFinalReply,

    /// <summary>On RSET (a connection reused for a second transaction), before answering: what a peer that timed the connection out looks like.</summary>
    Rset,
}

/// <summary>
/// A small SMTP/LMTP server on loopback for fault injection: scripted replies per RCPT and per DATA,
/// optional STARTTLS with a chosen certificate (asking for a client certificate), CHUNKING (BDAT), a
/// connection dropped at a chosen stage, and a record of every command, connection and transaction,
/// so tests can prove what a next hop did or did not receive.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private int _dataCount;

    public TestSmtpServer(X509Certificate2? certificate = null, bool lmtp = false, IEnumerable<string>? extensions = null)
    {
        Certificate = certificate;
        Lmtp = lmtp;
        Extensions = extensions?.ToList() ?? ["PIPELINING", "SIZE 52428800", "8BITMIME", "SMTPUTF8", "DSN", "ENHANCEDSTATUSCODES"];
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = AcceptLoopAsync();
    }

    public int Port { get; }

    public X509Certificate2? Certificate { get; }

    public bool Lmtp { get; }

    public List<string> Extensions { get; }

    /// <summary>Reply to a RCPT (address, how many DATA transactions came before); null means 250.</summary>
    public Func<string, int, string?> RcptReply { get; set; } = (_, _) => null;

    /// <summary>Reply after the data (SMTP) or per recipient (LMTP: called once per accepted recipient); null means 250.</summary>
    public Func<ReceivedTransaction, string, string?> DataReply { get; set; } = (_, _) => null;

    /// <summary>Reply to MAIL FROM; null means 250.</summary>
    public Func<string, string?> MailReply { get; set; } = _ => null;

    /// <summary>Wait before answering the end of data (to keep deliveries in flight, e.g. for a crash test).</summary>
    public TimeSpan DataDelay { get; set; }

    public ConcurrentQueue<ReceivedTransaction> Transactions { get; } = new();

    /// <summary>Greeting to send instead of "220 …" (e.g. "421 4.3.2 not now" for a peer that refuses service).</summary>
    public string? Greeting { get; set; }

    /// <summary>Stage at which to drop the connection, <see cref="DropCount"/> times.</summary>
    public SessionStage DropAt { get; set; }

    /// <summary>How many times <see cref="DropAt"/> applies (then the server behaves).</summary>
    public int DropCount { get; set; } = 1;

    /// <summary>Times <see cref="DropAt"/>'s stage is let pass before the first drop (0: the first time).</summary>
    public int DropAfter { get; set; }

    private int _stageHits;

    /// <summary>Connections dropped so far by <see cref="DropAt"/>.</summary>
    public int Dropped;

    /// <summary>Answer STARTTLS with "220" and, in the same write, a forged reply (a man in the middle's injection).</summary>
    public bool InjectAfterStartTls { get; set; }

    /// <summary>A tarpit: the greeting is sent one octet every 100 ms and never ends (no line feed).</summary>
    public bool DripGreeting { get; set; }

    /// <summary>Keep each transaction's data (false for load tests: only Message-IDs are counted).</summary>
    public bool KeepData { get; set; } = true;

    /// <summary>How many times each Message-ID was received (the duplicates count).</summary>
    public ConcurrentDictionary<string, int> MessageIds { get; } = new(StringComparer.Ordinal);

    /// <summary>Transactions completed on each connection, in order of connection end.</summary>
    public ConcurrentQueue<int> TransactionsPerConnection { get; } = new();

    /// <summary>MAIL commands that arrived with the next command already behind them (the client pipelined).</summary>
    public int PipelinedMail;

    /// <summary>Final replies to a message's data sent with the client's next command already received (it pipelined across transactions).</summary>
    public int InputAheadOfFinalReply;

    /// <summary>Each final reply to a message's data, in order: its Message-ID, and whether the client's next command had already arrived.</summary>
    public ConcurrentQueue<(string MessageId, bool InputAhead)> FinalReplies { get; } = new();

    /// <summary>A second, spare reply after the final reply of this many messages (a peer out of step); then it behaves.</summary>
    public int SpareReplies;

    /// <summary>A spare reply sent a while after the final reply of this many messages, the connection idle meanwhile (a peer out of step, late).</summary>
    public int LateSpareReplies;

    /// <summary>Late spare replies written so far (each is in the client's socket buffer once counted: loopback).</summary>
    public int LateSparesSent;

    /// <summary>QUIT commands received.</summary>
    public int Quits;

    /// <summary>Messages received with BDAT.</summary>
    public int ChunkedMessages;

    private bool ShouldDrop(SessionStage stage)
    {
        if (DropAt != stage || Interlocked.Increment(ref _stageHits) <= DropAfter)
        {
            return false;
        }

        while (true)
        {
            var done = Volatile.Read(ref Dropped);
            if (done >= DropCount)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref Dropped, done + 1, done) == done)
            {
                return true;
            }
        }
    }

    private void Received(ReceivedTransaction t)
    {
        var id = MessageIdOf(t.Data);
        MessageIds.AddOrUpdate(id, 1, (_, n) => n + 1);
        Transactions.Enqueue(KeepData ? t : t with { Data = [] });
    }

    private static string MessageIdOf(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data, 0, Math.Min(data.Length, 8192));
        var at = text.IndexOf("Message-ID: <", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return string.Empty;
        }

        var end = text.IndexOf('>', at);
        return end < 0 ? string.Empty : text[(at + 13)..end];
    }

    /// <summary>Every command line received (for "nothing was sent" assertions).</summary>
    public ConcurrentQueue<string> Commands { get; } = new();

    public int Connections;

    /// <summary>Most transactions (MAIL to the reply after the data) in progress at the same time.</summary>
    public int MaxConcurrent;

    private int _open;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref Connections);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await HandleAsync(client.GetStream(), _stop.Token);
                    }
                    catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException or SocketException)
                    {
                        // The client went away (or the handshake failed): nothing more to record.
                    }

                }
            });
        }
    }

    private async Task HandleAsync(Stream stream, CancellationToken ct)
    {
        var io = new LineIo(stream);
        string? certSubject = null;
        var tls = false;
        var transactions = 0;
        var bdat = new MemoryStream();
        if (ShouldDrop(SessionStage.Greeting))
        {
            return;
        }

        if (DripGreeting)
        {
            await stream.WriteAsync("220-"u8.ToArray(), ct);
            while (true)
            {
                await Task.Delay(100, ct);
                await stream.WriteAsync("x"u8.ToArray(), ct);
            }
        }

        await io.WriteAsync(Greeting ?? "220 test.local ESMTP ready", ct);
        if (Greeting is not null && !Greeting.StartsWith("220", StringComparison.Ordinal))
        {
            // A refusing greeting: answer QUIT and nothing else (RFC 5321 §3.1).
            while (await io.ReadLineAsync(ct) is { } l)
            {
                Commands.Enqueue(Encoding.UTF8.GetString(l));
                await io.WriteAsync(Encoding.UTF8.GetString(l).StartsWith("QUIT", StringComparison.OrdinalIgnoreCase) ? "221 2.0.0 bye" : "503 5.5.1 no service", ct);
            }

            return;
        }
        string? from = null;
        var rcpts = new List<string>();
        var inTransaction = false;
        void Begin()
        {
            if (!inTransaction)
            {
                inTransaction = true;
                var open = Interlocked.Increment(ref _open);
                int max;
                while (open > (max = Volatile.Read(ref MaxConcurrent)) && Interlocked.CompareExchange(ref MaxConcurrent, open, max) != max)
                {
                }
            }
        }

        void End()
        {
            if (inTransaction)
            {
                inTransaction = false;
                Interlocked.Decrement(ref _open);
            }
        }

        try
        {
            await SessionAsync();
        }
        finally
        {
            End();
            TransactionsPerConnection.Enqueue(transactions);
        }

        async Task SessionAsync()
        {
            while (true)
            {
                var line = await io.ReadLineAsync(ct);
                if (line is null)
                {
                    return;
                }

                var text = Encoding.UTF8.GetString(line);
                Commands.Enqueue(text);
                var verb = (text.Length >= 4 ? text[..4] : text).ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO" or "LHLO" or "HELO":
                        if (ShouldDrop(SessionStage.Ehlo))
                        {
                            return;
                        }

                        var ext = new List<string>(Extensions);
                        if (Certificate is not null && !tls)
                        {
                            ext.Add("STARTTLS");
                        }

                        await io.WriteAsync(string.Join("\r\n", new[] { "250-test.local" }.Concat(ext.Select((e, i) => (i == ext.Count - 1 ? "250 " : "250-") + e))), ct);
                        break;
                    case "STAR":
                        await io.WriteAsync(InjectAfterStartTls ? "220 2.0.0 go ahead\r\n250 2.0.0 injected in clear text" : "220 2.0.0 go ahead", ct);
                        var ssl = new SslStream(stream, false, (_, _, _, _) => true);
                        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                        {
                            ServerCertificate = Certificate,
                            ClientCertificateRequired = true,
                            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        }, ct);
                        certSubject = ssl.RemoteCertificate?.Subject;
                        tls = true;
                        stream = ssl;
                        io = new LineIo(ssl);
                        break;
                    case "MAIL":
                        if (ShouldDrop(SessionStage.Mail))
                        {
                            return;
                        }

                        if (io.Buffered > 0)
                        {
                            Interlocked.Increment(ref PipelinedMail);
                        }

                        Begin();
                        from = text;
                        rcpts.Clear();
                        await io.WriteAsync(MailReply(text) ?? "250 2.1.0 OK", ct);
                        break;
                    case "RCPT":
                        if (ShouldDrop(SessionStage.Rcpt))
                        {
                            return;
                        }

                        var address = Between(text, '<', '>');
                        var reply = RcptReply(address, Volatile.Read(ref _dataCount)) ?? "250 2.1.5 OK";
                        if (reply.StartsWith('2'))
                        {
                            rcpts.Add(text);
                        }

                        await io.WriteAsync(reply, ct);
                        break;
                    case "BDAT":
                    {
                        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        var size = parts.Length > 1 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1;
                        var last = parts.Length > 2 && parts[2].Equals("LAST", StringComparison.OrdinalIgnoreCase);
                        if (size < 0)
                        {
                            await io.WriteAsync("501 5.5.4 BDAT needs a size", ct);
                            return;
                        }

                        if (ShouldDrop(SessionStage.MidData))
                        {
                            await io.ReadExactAsync(size / 2, ct);
                            return;
                        }

                        bdat.Write(await io.ReadExactAsync(size, ct));
                        if (!last)
                        {
                            await io.WriteAsync(rcpts.Count == 0 ? "554 5.5.1 no valid recipients" : "250 2.0.0 chunk received", ct);
                            break;
                        }

                        var chunked = bdat.ToArray();
                        bdat.SetLength(0);
                        if (rcpts.Count == 0)
                        {
                            await io.WriteAsync("554 5.5.1 no valid recipients", ct);
                            break;
                        }

                        Interlocked.Increment(ref ChunkedMessages);
                        if (!await CompleteAsync(chunked))
                        {
                            return;
                        }

                        break;
                    }

                    case "DATA":
                        if (ShouldDrop(SessionStage.Data))
                        {
                            return;
                        }

                        if (rcpts.Count == 0)
                        {
                            await io.WriteAsync("554 5.5.1 no valid recipients", ct);
                            break;
                        }

                        await io.WriteAsync("354 go ahead", ct);
                        if (ShouldDrop(SessionStage.MidData))
                        {
                            await io.ReadLineAsync(ct);
                            return;
                        }

                        if (!await CompleteAsync(await io.ReadDataAsync(ct)))
                        {
                            return;
                        }

                        break;
                    case "RSET":
                        if (ShouldDrop(SessionStage.Rset))
                        {
                            return;
                        }

                        End();
                        from = null;
                        rcpts.Clear();
                        bdat.SetLength(0);
                        await io.WriteAsync("250 2.0.0 OK", ct);
                        break;
                    case "NOOP":
                        await io.WriteAsync("250 2.0.0 OK", ct);
                        break;
                    case "QUIT":
                        Interlocked.Increment(ref Quits);
                        await io.WriteAsync("221 2.0.0 bye", ct);
                        return;
                    default:
                        await io.WriteAsync("502 5.5.2 unknown command", ct);
                        break;
                }
            }
        }

        // End of a message (DATA or BDAT LAST): record it, answer. False when the connection is to be dropped.
        async Task<bool> CompleteAsync(byte[] data)
        {
            if (DataDelay > TimeSpan.Zero)
            {
                await Task.Delay(DataDelay, ct);
            }

            var t = new ReceivedTransaction(from ?? string.Empty, [.. rcpts], data, certSubject, tls);
            transactions++;
            if (ShouldDrop(SessionStage.BeforeFinalReply))
            {
                Received(t); // the server kept it, the client will never know
                return false;
            }

            Interlocked.Increment(ref _dataCount);
            var ahead = io.Buffered > 0 || (stream is NetworkStream plain && plain.DataAvailable);
            if (ahead)
            {
                Interlocked.Increment(ref InputAheadOfFinalReply);
            }

            FinalReplies.Enqueue((MessageIdOf(data), ahead));

            if (Lmtp)
            {
                var replies = rcpts.Select(r => DataReply(t, Between(r, '<', '>')) ?? "250 2.0.0 delivered").ToList();
                if (replies.Any(r => r.StartsWith('2')))
                {
                    Received(t with { RcptTo = rcpts.Where((_, i) => replies[i].StartsWith('2')).ToList() });
                }

                End();
                await io.WriteAsync(string.Join("\r\n", replies), ct);
            }
            else
            {
                var dr = DataReply(t, string.Empty) ?? "250 2.0.0 queued";
                if (dr.StartsWith('2'))
                {
                    Received(t);
                }

                End();
                if (Interlocked.Decrement(ref SpareReplies) >= 0)
                {
                    dr += "\r\n250 2.0.0 spare";
                }

                await io.WriteAsync(dr, ct);
                if (Interlocked.Decrement(ref LateSpareReplies) >= 0)
                {
                    _ = Task.Run(
                        async () =>
                        {
                            await Task.Delay(50, ct);
                            await io.WriteAsync("250 2.0.0 late spare", ct);
                            Interlocked.Increment(ref LateSparesSent);
                        },
                        ct);
                }

                if (dr.StartsWith("421", StringComparison.Ordinal))
                {
                    return false; // RFC 5321 §3.8: a 421 closes the connection
                }
            }

            from = null;
            rcpts.Clear();
            return true;
        }
    }

    private static string Between(string s, char a, char b)
    {
        var i = s.IndexOf(a, StringComparison.Ordinal);
        var j = s.IndexOf(b, i + 1);
        return i >= 0 && j > i ? s[(i + 1)..j] : string.Empty;
    }

    /// <summary>Byte-exact line reading (commands and DATA) and reply writing.</summary>
    private sealed class LineIo(Stream stream)
    {
        private readonly byte[] _buffer = new byte[65536];
        private int _start;
        private int _end;

        public async Task WriteAsync(string reply, CancellationToken ct)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"), ct);
            await stream.FlushAsync(ct);
        }

        /// <summary>Octets received and not consumed yet.</summary>
        public int Buffered => _end - _start;

        public async Task<byte[]> ReadExactAsync(int count, CancellationToken ct)
        {
            var result = new byte[count];
            var have = Math.Min(count, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, 0, have);
            _start += have;
            while (have < count)
            {
                var n = await stream.ReadAsync(result.AsMemory(have), ct);
                if (n == 0)
                {
                    throw new IOException("closed in BDAT");
                }

                have += n;
            }

            return result;
        }

        public async Task<byte[]?> ReadLineAsync(CancellationToken ct)
        {
            var acc = new MemoryStream();
            while (true)
            {
                var idx = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (idx >= 0)
                {
                    acc.Write(_buffer, _start, idx - _start + 1);
                    _start = idx + 1;
                    var all = acc.ToArray();
                    var len = all.Length - 1;
                    if (len > 0 && all[len - 1] == (byte)'\r')
                    {
                        len--;
                    }

                    return all[..len];
                }

                acc.Write(_buffer, _start, _end - _start);
                _start = _end = 0;
                var n = await stream.ReadAsync(_buffer, ct);
                if (n == 0)
                {
                    return null;
                }

                _end = n;
            }
        }

        public async Task<byte[]> ReadDataAsync(CancellationToken ct)
        {
            var data = new MemoryStream();
            while (true)
            {
                var line = await ReadLineAsync(ct) ?? throw new IOException("closed in DATA");
                if (line is [(byte)'.'])
                {
                    return data.ToArray();
                }

                var start = line.Length > 0 && line[0] == (byte)'.' ? 1 : 0;
                data.Write(line, start, line.Length - start);
                data.Write("\r\n"u8);
            }
        }
    }
}
