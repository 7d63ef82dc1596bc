using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MssGateway.Testing;

/// <summary>
/// A raw SMTP client over a socket for protocol tests: sends exact bytes (pipelined, malformed,
/// smuggling probes) and reads replies line by line, with optional STARTTLS / implicit TLS.
/// </summary>
public sealed class SmtpTestClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private SmtpTestClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(20);

    public static Task<SmtpTestClient> ConnectAsync(int port, X509Certificate2? clientCertificate = null, bool implicitTls = false) =>
        ConnectFromAsync(null, port, clientCertificate, implicitTls);

    /// <summary>Connects to 127.0.0.1 from <paramref name="source"/> (another loopback address, e.g. 127.0.1.5: a second client).</summary>
    public static async Task<SmtpTestClient> ConnectFromAsync(IPAddress? source, int port, X509Certificate2? clientCertificate = null, bool implicitTls = false)
    {
        var tcp = source is null ? new TcpClient() : new TcpClient(new IPEndPoint(source, 0));
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new SmtpTestClient(tcp);
        if (implicitTls)
        {
            await client.UpgradeAsync(clientCertificate);
        }

        return client;
    }

    /// <summary>Starts TLS on the connection (after a 220 to STARTTLS, or at once for implicit TLS).</summary>
    public async Task UpgradeAsync(X509Certificate2? clientCertificate, SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13)
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = protocols,
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
        };
        await ssl.AuthenticateAsClientAsync(options);
        _stream = ssl;
        _pending.Clear();
    }

    public SslProtocols? TlsProtocol => (_stream as SslStream)?.SslProtocol;

    public async Task SendAsync(string text) => await SendBytesAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendBytesAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends a command line (CRLF added) and reads its reply.</summary>
    public async Task<SmtpTestReply> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads one (possibly multi-line) reply.</summary>
    public async Task<SmtpTestReply> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("connection closed while reading a reply; got: " + string.Join(" | ", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return new SmtpTestReply(int.Parse(line[..3], System.Globalization.CultureInfo.InvariantCulture), lines);
            }
        }
    }

    /// <summary>True when the server closed the connection (reads EOF within the timeout).</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        try
        {
            return await ReadLineAsync() is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<string?> ReadLineAsync()
    {
        using var cts = new CancellationTokenSource(ReadTimeout);
        var buffer = new byte[1];
        while (true)
        {
            var lf = _pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, lf).ToArray()).TrimEnd('\r');
                _pending.RemoveRange(0, lf + 1);
                return line;
            }

            var chunk = new byte[4096];
            var n = await _stream.ReadAsync(chunk, cts.Token);
            if (n == 0)
            {
                return null;
            }

            _pending.AddRange(chunk.AsSpan(0, n).ToArray());
        }
    }

    /// <summary>EHLO, STARTTLS with the certificate, EHLO again.</summary>
    public async Task StartTlsAsync(X509Certificate2? clientCertificate)
    {
        (await CommandAsync("EHLO client.test")).AssertCode(250);
        (await CommandAsync("STARTTLS")).AssertCode(220);
        await UpgradeAsync(clientCertificate);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}

/// <summary>A reply as the test client read it.</summary>
public sealed record SmtpTestReply(int Code, IReadOnlyList<string> Lines)
{
    /// <summary>The enhanced status code of the last line ("5.7.0"), or null.</summary>
    public string? EnhancedCode
    {
        get
        {
            var text = Lines[^1].Length > 4 ? Lines[^1][4..] : string.Empty;
            var sp = text.IndexOf(' ', StringComparison.Ordinal);
            var first = sp < 0 ? text : text[..sp];
            return first.Count(c => c == '.') == 2 && char.IsDigit(first[0]) ? first : null;
        }
    }

    public string Text => string.Join("\n", Lines);

    public SmtpTestReply AssertCode(int code, string? enhanced = null)
    {
        if (Code != code || (enhanced is not null && EnhancedCode != enhanced))
        {
            throw new Xunit.Sdk.XunitException($"expected {code} {enhanced} but got: {Text}");
        }

        return this;
    }
}
