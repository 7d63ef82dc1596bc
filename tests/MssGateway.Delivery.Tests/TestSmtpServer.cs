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

/// <summary>
/// A small SMTP/LMTP server on loopback for fault injection: scripted replies per RCPT and per DATA,
/// optional STARTTLS with a chosen certificate (asking for a client certificate), and a record of
/// every command and transaction, so tests can prove what a next hop did or did not receive.
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
        await io.WriteAsync("220 test.local ESMTP ready", ct);
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
                        var ext = new List<string>(Extensions);
                        if (Certificate is not null && !tls)
                        {
                            ext.Add("STARTTLS");
                        }

                        await io.WriteAsync(string.Join("\r\n", new[] { "250-test.local" }.Concat(ext.Select((e, i) => (i == ext.Count - 1 ? "250 " : "250-") + e))), ct);
                        break;
                    case "STAR":
                        await io.WriteAsync("220 2.0.0 go ahead", ct);
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
                        Begin();
                        from = text;
                        rcpts.Clear();
                        await io.WriteAsync(MailReply(text) ?? "250 2.1.0 OK", ct);
                        break;
                    case "RCPT":
                        var address = Between(text, '<', '>');
                        var reply = RcptReply(address, Volatile.Read(ref _dataCount)) ?? "250 2.1.5 OK";
                        if (reply.StartsWith('2'))
                        {
                            rcpts.Add(text);
                        }

                        await io.WriteAsync(reply, ct);
                        break;
                    case "DATA":
                        if (rcpts.Count == 0)
                        {
                            await io.WriteAsync("554 5.5.1 no valid recipients", ct);
                            break;
                        }

                        await io.WriteAsync("354 go ahead", ct);
                        var data = await io.ReadDataAsync(ct);
                        if (DataDelay > TimeSpan.Zero)
                        {
                            await Task.Delay(DataDelay, ct);
                        }

                        var t = new ReceivedTransaction(from ?? string.Empty, [.. rcpts], data, certSubject, tls);
                        Interlocked.Increment(ref _dataCount);
                        if (Lmtp)
                        {
                            var replies = rcpts.Select(r => DataReply(t, Between(r, '<', '>')) ?? "250 2.0.0 delivered").ToList();
                            if (replies.Any(r => r.StartsWith('2')))
                            {
                                Transactions.Enqueue(t with { RcptTo = rcpts.Where((_, i) => replies[i].StartsWith('2')).ToList() });
                            }

                            End();
                            await io.WriteAsync(string.Join("\r\n", replies), ct);
                        }
                        else
                        {
                            var dr = DataReply(t, string.Empty) ?? "250 2.0.0 queued";
                            if (dr.StartsWith('2'))
                            {
                                Transactions.Enqueue(t);
                            }

                            End();
                            await io.WriteAsync(dr, ct);
                        }

                        from = null;
                        rcpts.Clear();
                        break;
                    case "RSET":
                        End();
                        from = null;
                        rcpts.Clear();
                        await io.WriteAsync("250 2.0.0 OK", ct);
                        break;
                    case "NOOP":
                        await io.WriteAsync("250 2.0.0 OK", ct);
                        break;
                    case "QUIT":
                        await io.WriteAsync("221 2.0.0 bye", ct);
                        return;
                    default:
                        await io.WriteAsync("502 5.5.2 unknown command", ct);
                        break;
                }
            }
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
