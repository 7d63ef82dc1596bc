using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MssGateway.Bench.SmtpLoad;

/// <summary>
/// SMTP load generator: N concurrent sessions over STARTTLS or implicit TLS with a client
/// certificate, K messages per session, fixed message size. Prints messages/s and the p50/p99 of
/// the end-of-data → reply latency (the accept latency, fsync included).
/// Usage: smtpload --port P [--mode starttls|tls] [--cert client.pem --key client.key]
///        [--messages 1000] [--concurrency 16] [--per-session 1] [--size 20000]
///        [--from a@b] [--to c@d] [--idle N --hold-seconds S]  (idle: open N TLS sessions and hold them)
/// </summary>
public static class LoadRun
{
    public static async Task<int> MainAsync(string[] args)
    {
        var o = Options.Parse(args);
        X509Certificate2? cert = o.Cert is null ? null : LoadCertificate(o.Cert, o.Key);
        if (o.Idle > 0)
        {
            return await HoldIdleAsync(o, cert);
        }

        var body = BuildBody(o);
        var latencies = new List<double>(o.Messages);
        var ok = 0;
        var errors = 0;
        var sessions = o.Messages / o.PerSession;
        var next = 0;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, o.Concurrency).Select(async _ =>
        {
            var local = new List<double>();
            while (Interlocked.Increment(ref next) <= sessions)
            {
                try
                {
                    var n = await SessionAsync(o, cert, body, local);
                    Interlocked.Add(ref ok, n);
                }
                catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or InvalidOperationException)
                {
                    if (Interlocked.Increment(ref errors) <= 3)
                    {
                        await Console.Error.WriteLineAsync("error: " + ex.Message);
                    }
                }
            }

            lock (latencies)
            {
                latencies.AddRange(local);
            }
        }).ToArray();
        await Task.WhenAll(workers);
        var seconds = sw.Elapsed.TotalSeconds;
        latencies.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"messages_ok={ok} errors={errors} seconds={seconds:F2} msgs_per_s={ok / seconds:F1} p50_ms={Percentile(latencies, 0.50):F2} p99_ms={Percentile(latencies, 0.99):F2}"));
        return errors == 0 ? 0 : 1;
    }

    private static async Task<int> SessionAsync(Options o, X509Certificate2? cert, byte[] body, List<double> latencies)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(o.Host, o.Port);
        Stream stream = tcp.GetStream();
        if (o.Mode == "tls")
        {
            stream = await TlsAsync(stream, cert);
        }

        var io = new LineIo(stream);
        await io.ExpectAsync(220);
        await io.CommandAsync("EHLO load.test", 250);
        if (o.Mode == "starttls")
        {
            await io.CommandAsync("STARTTLS", 220);
            io = new LineIo(await TlsAsync(stream, cert));
            await io.CommandAsync("EHLO load.test", 250);
        }

        var sent = 0;
        for (var i = 0; i < o.PerSession; i++)
        {
            await io.CommandAsync($"MAIL FROM:<{o.From}>", 250);
            await io.CommandAsync($"RCPT TO:<{o.To}>", 250);
            await io.CommandAsync("DATA", 354);
            var t = Stopwatch.GetTimestamp();
            await io.WriteAsync(body);
            await io.ExpectAsync(250);
            latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            sent++;
        }

        await io.CommandAsync("QUIT", 221);
        return sent;
    }

    private static async Task<int> HoldIdleAsync(Options o, X509Certificate2? cert)
    {
        var held = new List<Stream>();
        for (var i = 0; i < o.Idle; i++)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(o.Host, o.Port);
            Stream s = tcp.GetStream();
            if (o.Mode == "tls")
            {
                s = await TlsAsync(s, cert);
            }

            var io = new LineIo(s);
            await io.ExpectAsync(220);
            if (o.Mode == "starttls")
            {
                await io.CommandAsync("EHLO load.test", 250);
                await io.CommandAsync("STARTTLS", 220);
                s = await TlsAsync(s, cert);
                io = new LineIo(s);
            }

            await io.CommandAsync("EHLO idle.test", 250);
            held.Add(s);
        }

        Console.WriteLine($"idle_sessions={held.Count} holding for {o.HoldSeconds}s");
        await Task.Delay(TimeSpan.FromSeconds(o.HoldSeconds));
        foreach (var s in held)
        {
            await s.DisposeAsync();
        }

        return 0;
    }

    private static async Task<Stream> TlsAsync(Stream inner, X509Certificate2? cert)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: true, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = cert is null ? null : [cert],
            LocalCertificateSelectionCallback = cert is null ? null : (_, _, _, _, _) => cert,
        });
        return ssl;
    }

    private static X509Certificate2 LoadCertificate(string certPath, string? keyPath)
    {
        var c = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        return X509CertificateLoader.LoadPkcs12(c.Export(X509ContentType.Pkcs12), null);
    }

    private static byte[] BuildBody(Options o)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"From: <{o.From}>\r\nTo: <{o.To}>\r\nSubject: load\r\nX-MSS-NIL: smtpload\r\n\r\n");
        var line = new string('x', 76) + "\r\n";
        while (sb.Length < o.Size)
        {
            sb.Append(line);
        }

        sb.Append(".\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];

    private sealed class LineIo(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;

        public async Task WriteAsync(byte[] data)
        {
            await stream.WriteAsync(data);
            await stream.FlushAsync();
        }

        public async Task CommandAsync(string line, int expected)
        {
            await WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
            await ExpectAsync(expected);
        }

        public async Task ExpectAsync(int expected)
        {
            while (true)
            {
                var line = await ReadLineAsync();
                if (line.Length < 4 || line[3] != '-')
                {
                    var code = int.Parse(line.AsSpan(0, 3), CultureInfo.InvariantCulture);
                    if (code != expected)
                    {
                        throw new InvalidOperationException($"expected {expected}, got: {line}");
                    }

                    return;
                }
            }
        }

        private async Task<string> ReadLineAsync()
        {
            while (true)
            {
                var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (lf >= 0)
                {
                    var line = Encoding.ASCII.GetString(_buffer, _start, lf - _start).TrimEnd('\r');
                    _start = lf + 1;
                    return line;
                }

                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }

                var n = await stream.ReadAsync(_buffer.AsMemory(_end));
                if (n == 0)
                {
                    throw new IOException("connection closed");
                }

                _end += n;
            }
        }
    }

    private sealed class Options
    {
        public string Host { get; private set; } = "127.0.0.1";

        public int Port { get; private set; }

        public string Mode { get; private set; } = "starttls";

        public string? Cert { get; private set; }

        public string? Key { get; private set; }

        public int Messages { get; private set; } = 1000;

        public int Concurrency { get; private set; } = 16;

        public int PerSession { get; private set; } = 1;

        public int Size { get; private set; } = 20000;

        public string From { get; private set; } = "dev.sender@hopital-dev.mssante.test";

        public string To { get; private set; } = "dev.recipient@hopital-dev.mssante.test";

        public int Idle { get; private set; }

        public int HoldSeconds { get; private set; } = 30;

        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                var v = args[i + 1];
                switch (args[i])
                {
                    case "--host": o.Host = v; break;
                    case "--port": o.Port = int.Parse(v, CultureInfo.InvariantCulture); break;
                    case "--mode": o.Mode = v; break;
                    case "--cert": o.Cert = v; break;
                    case "--key": o.Key = v; break;
                    case "--messages": o.Messages = int.Parse(v, CultureInfo.InvariantCulture); break;
                    case "--concurrency": o.Concurrency = int.Parse(v, CultureInfo.InvariantCulture); break;
                    case "--per-session": o.PerSession = int.Parse(v, CultureInfo.InvariantCulture); break;
                    case "--size": o.Size = int.Parse(v, CultureInfo.InvariantCulture); break;
                    case "--from": o.From = v; break;
                    case "--to": o.To = v; break;
                    case "--idle": o.Idle = int.Parse(v, CultureInfo.InvariantCulture); break;
                    case "--hold-seconds": o.HoldSeconds = int.Parse(v, CultureInfo.InvariantCulture); break;
                    default: throw new ArgumentException("unknown option " + args[i]);
                }
            }

            if (o.Port == 0)
            {
                throw new ArgumentException("--port is required");
            }

            return o;
        }
    }
}
