using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MssGateway.DeliveryBench;

/// <summary>
/// A realistic receiver for delivery benchmarks (KumoMTA's "smart sink" idea): an SMTP server that
/// stores nothing and answers a configurable share of transactions with 4xx and 5xx, so retries, DSNs
/// and back-off are measured and not only the happy path. Speaks what the gateway uses — PIPELINING,
/// CHUNKING (BDAT), 8BITMIME, SIZE, DSN, ENHANCEDSTATUSCODES, STARTTLS with a required client
/// certificate when given one — and parses bytes, not strings, so it is never the bottleneck.
/// </summary>
internal sealed class SinkServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly SinkOptions _options;
    private long _messages;
    private long _tempFailed;
    private long _permFailed;
    private long _connections;
    private long _lastAcceptedUnixUs;

    public SinkServer(SinkOptions? options = null)
    {
        _options = options ?? new SinkOptions();
        _listener = new TcpListener(IPAddress.Loopback, _options.Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start(1024);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Messages accepted (250 after the data).</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>
    /// The counters, and the wall-clock time (Unix microseconds, 0 before the first) of the latest 250 after a message's
    /// data: the end of an end-to-end run to the microsecond, where the file's 200-ms refresh would add up to 200 ms.
    /// </summary>
    public string Stats() => string.Create(CultureInfo.InvariantCulture,
        $"connections={Interlocked.Read(ref _connections)} accepted={Messages} tempfailed={Interlocked.Read(ref _tempFailed)} permfailed={Interlocked.Read(ref _permFailed)} last_accepted_unix_us={Interlocked.Read(ref _lastAcceptedUnixUs)}");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        var io = new Io(stream, _options.Certificate is null ? _options.RoundTrip : TimeSpan.Zero);
        try
        {
            await io.ReplyAsync("220 sink.bench.test ESMTP smart sink", _stop.Token);
            var recipients = 0;
            var tls = false;
            while (await io.ReadLineAsync(_stop.Token) is { } line)
            {
                var verb = line.Length >= 4 ? Encoding.ASCII.GetString(line, 0, 4).ToUpperInvariant() : string.Empty;
                switch (verb)
                {
                    case "EHLO" or "LHLO":
                        await io.ReplyAsync("250-sink.bench.test\r\n250-PIPELINING\r\n250-CHUNKING\r\n250-8BITMIME\r\n250-SIZE 104857600\r\n250-DSN\r\n"
                            + (_options.Certificate is not null && !tls ? "250-STARTTLS\r\n" : string.Empty) + "250 ENHANCEDSTATUSCODES", _stop.Token);
                        break;
                    case "STAR" when _options.Certificate is not null:
                        await io.ReplyAsync("220 2.0.0 go ahead", _stop.Token);
                        await io.DrainAsync();
                        var ssl = new SslStream(stream, false);
                        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                        {
                            ServerCertificateContext = _options.CertificateContext,
                            ClientCertificateRequired = _options.RequireClientCertificate,
                            RemoteCertificateValidationCallback = (_, c, _, _) => !_options.RequireClientCertificate || c is not null,
                            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        }, _stop.Token);
                        stream = ssl;
                        await io.DisposeAsync();
                        io = new Io(ssl, _options.RoundTrip);
                        tls = true;
                        break;
                    case "MAIL":
                        recipients = 0;
                        io.Queue("250 2.1.0 ok");
                        break;
                    case "RCPT":
                        recipients++;
                        io.Queue("250 2.1.5 ok");
                        break;
                    case "DATA":
                        if (recipients == 0)
                        {
                            io.Queue("554 5.5.1 no valid recipients");
                            break;
                        }

                        await io.ReplyAsync("354 go ahead", _stop.Token);
                        await io.SkipDataAsync(_stop.Token);
                        await LatencyAsync();
                        io.Queue(Verdict());
                        recipients = 0;
                        break;
                    case "BDAT":
                        var parts = Encoding.ASCII.GetString(line).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        var size = long.Parse(parts[1], CultureInfo.InvariantCulture);
                        if (_options.EarlyReplies)
                        {
                            await io.FlushAsync(_stop.Token); // as Postfix: what it holds goes out before it reads the chunk
                        }

                        await io.SkipAsync(size, _stop.Token);
                        var last = parts.Length > 2 && parts[2].Equals("LAST", StringComparison.OrdinalIgnoreCase);
                        if (last && recipients > 0)
                        {
                            await LatencyAsync();
                        }

                        io.Queue(recipients == 0 ? "554 5.5.1 no valid recipients" : last ? Verdict() : "250 2.0.0 chunk ok");
                        if (last)
                        {
                            recipients = 0;
                        }

                        break;
                    case "QUIT":
                        await io.ReplyAsync("221 2.0.0 bye", _stop.Token);
                        await io.DrainAsync();
                        return;
                    default:
                        io.Queue("250 2.0.0 ok"); // RSET, NOOP
                        break;
                }

                if (io.Buffered == 0)
                {
                    await io.FlushAsync(_stop.Token); // RFC 2920: replies go out when the client has nothing more in flight
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or AuthenticationException or FormatException or IndexOutOfRangeException)
        {
            // Client went away, or spoke nonsense.
        }
        finally
        {
            await io.DisposeAsync();
            await stream.DisposeAsync();
        }
    }

    private Task LatencyAsync() => _options.Latency > TimeSpan.Zero ? Task.Delay(_options.Latency, _stop.Token) : Task.CompletedTask;

    private string Verdict()
    {
        var r = Random.Shared.NextDouble();
        if (r < _options.TempFailShare)
        {
            Interlocked.Increment(ref _tempFailed);
            return "451 4.3.0 smart sink: try again later";
        }

        if (r < _options.TempFailShare + _options.PermFailShare)
        {
            Interlocked.Increment(ref _permFailed);
            return "554 5.7.1 smart sink: refused";
        }

        Interlocked.Increment(ref _messages);
        var now = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        var seen = Interlocked.Read(ref _lastAcceptedUnixUs);
        while (now > seen && Interlocked.CompareExchange(ref _lastAcceptedUnixUs, now, seen) is var was && was != seen)
        {
            seen = was; // another session's message was accepted meanwhile: keep the later of the two
        }

        return "250 2.0.0 ok: queued";
    }

    /// <summary>
    /// Buffered byte I/O: lines, dot-terminated data, counted chunks, and replies written in groups — at once, or
    /// each group <paramref name="roundTrip"/> later, in order, by a writer of its own while the reads go on.
    /// </summary>
    private sealed class Io(Stream stream, TimeSpan roundTrip = default) : IAsyncDisposable
    {
        private readonly byte[] _buffer = new byte[65536];
        private readonly StringBuilder _out = new();
        private readonly System.Threading.Channels.Channel<(long Due, byte[]? Bytes, TaskCompletionSource? Drained)> _late =
            System.Threading.Channels.Channel.CreateUnbounded<(long, byte[]?, TaskCompletionSource?)>(new() { SingleReader = true, SingleWriter = true });
        private Task? _writer;
        private int _start;
        private int _end;

        /// <summary>Returns once every group written so far has reached the stream (before STARTTLS, after QUIT).</summary>
        public async Task DrainAsync()
        {
            if (_writer is null)
            {
                return;
            }

            var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _late.Writer.TryWrite((0, null, drained));
            await Task.WhenAny(drained.Task, _writer);
        }

        public async ValueTask DisposeAsync()
        {
            _late.Writer.TryComplete();
            if (_writer is not null)
            {
                await Task.WhenAny(_writer, Task.Delay(roundTrip * 2));
            }
        }

        private async Task WriteLateAsync()
        {
            try
            {
                await foreach (var (due, bytes, drained) in _late.Reader.ReadAllAsync())
                {
                    if (drained is not null)
                    {
                        drained.TrySetResult();
                        continue;
                    }

                    var wait = System.Diagnostics.Stopwatch.GetElapsedTime(due);
                    if (wait < roundTrip)
                    {
                        await Task.Delay(roundTrip - wait);
                    }

                    await stream.WriteAsync(bytes);
                    await stream.FlushAsync();
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
            {
                // The client went away: what was still in flight is lost with it, as on a network.
            }
        }

        public int Buffered => _end - _start;

        public void Queue(string reply) => _out.Append(reply).Append("\r\n");

        public async Task ReplyAsync(string reply, CancellationToken ct)
        {
            Queue(reply);
            await FlushAsync(ct);
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            if (_out.Length == 0)
            {
                return;
            }

            var bytes = Encoding.ASCII.GetBytes(_out.ToString());
            _out.Clear();
            if (roundTrip > TimeSpan.Zero)
            {
                _writer ??= Task.Run(WriteLateAsync, CancellationToken.None);
                _late.Writer.TryWrite((System.Diagnostics.Stopwatch.GetTimestamp(), bytes, null));
                return;
            }

            await stream.WriteAsync(bytes, ct);
            await stream.FlushAsync(ct);
        }

        public async Task<byte[]?> ReadLineAsync(CancellationToken ct)
        {
            while (true)
            {
                var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (lf >= 0)
                {
                    var len = lf - _start;
                    if (len > 0 && _buffer[lf - 1] == (byte)'\r')
                    {
                        len--;
                    }

                    var line = _buffer.AsSpan(_start, len).ToArray();
                    _start = lf + 1;
                    return line;
                }

                if (!await FillAsync(ct))
                {
                    return null;
                }
            }
        }

        /// <summary>Reads up to and including CRLF "." CRLF.</summary>
        public async Task SkipDataAsync(CancellationToken ct)
        {
            var atLineStart = true;
            while (true)
            {
                while (_start < _end)
                {
                    if (atLineStart && _end - _start >= 3 && _buffer[_start] == (byte)'.' && _buffer[_start + 1] == (byte)'\r' && _buffer[_start + 2] == (byte)'\n')
                    {
                        _start += 3;
                        return;
                    }

                    if (atLineStart && _end - _start < 3 && _buffer[_start] == (byte)'.')
                    {
                        break; // need more to decide
                    }

                    var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                    if (lf < 0)
                    {
                        _start = _end;
                        atLineStart = false;
                        break;
                    }

                    _start = lf + 1;
                    atLineStart = true;
                }

                if (!await FillAsync(ct))
                {
                    throw new IOException("closed in DATA");
                }
            }
        }

        public async Task SkipAsync(long count, CancellationToken ct)
        {
            while (count > 0)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    throw new IOException("closed in BDAT");
                }

                var n = (int)Math.Min(count, _end - _start);
                _start += n;
                count -= n;
            }
        }

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                throw new IOException("line too long");
            }

            var n = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            _end += n;
            return n > 0;
        }
    }
}
