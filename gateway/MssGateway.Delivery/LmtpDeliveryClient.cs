using System.Buffers;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// LMTP (RFC 2033) to the internal next hop, for hospitals whose mail store takes LMTP (Dovecot,
/// Cyrus). MailKit has no LMTP client, and LMTP is small: LHLO, optional STARTTLS, MAIL, RCPT each,
/// DATA with the spooled bytes dot-stuffed as they are, then one reply per accepted recipient.
/// </summary>
internal sealed class LmtpDeliveryClient
{
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly ClientCertificateSource _clientCertificate;

    public LmtpDeliveryClient(IOptionsMonitor<DeliveryOptions> options, ClientCertificateSource clientCertificate)
    {
        _options = options;
        _clientCertificate = clientCertificate;
    }

    public async Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(SpoolMessage spooled, NextHopAddress target, IReadOnlyList<SpoolRecipient> recipients, CancellationToken ct)
    {
        var options = _options.CurrentValue;
        var hop = options.InternalNextHop;
        var hopName = target.ToString();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.SmtpTimeout);
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(target.Host, target.Port, timeout.Token);
            Stream stream = tcp.GetStream();
            if (hop.Tls == NextHopTls.Implicit)
            {
                stream = await StartTlsAsync(stream, target.Host, hop, options, timeout.Token);
            }

            var line = new LineChannel(stream);
            Expect(await line.ReadReplyAsync(timeout.Token), 220, "greeting");
            var lhlo = await line.CommandAsync("LHLO " + options.EffectiveHeloName, timeout.Token);
            Expect(lhlo, 250, "LHLO");
            if (hop.Tls == NextHopTls.StartTls)
            {
                if (!lhlo.Lines.Any(l => l.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase)))
                {
                    return SmtpDeliveryClient.All(recipients, new DeliveryReply(451, "4.7.10", $"starttls_not_offered: {hopName} does not offer STARTTLS"), hopName);
                }

                Expect(await line.CommandAsync("STARTTLS", timeout.Token), 220, "STARTTLS");
                stream = await StartTlsAsync(stream, target.Host, hop, options, timeout.Token);
                line = new LineChannel(stream);
                lhlo = await line.CommandAsync("LHLO " + options.EffectiveHeloName, timeout.Token);
                Expect(lhlo, 250, "LHLO");
            }

            var envelope = spooled.Envelope;
            var body = envelope.Body is { } b ? " BODY=" + b : string.Empty;
            var utf8 = envelope.SmtpUtf8 && lhlo.Lines.Any(l => l.Equals("SMTPUTF8", StringComparison.OrdinalIgnoreCase)) ? " SMTPUTF8" : string.Empty;
            var mail = await line.CommandAsync($"MAIL FROM:<{envelope.Sender}>{body}{utf8}", timeout.Token);
            if (mail.Code != 250)
            {
                return SmtpDeliveryClient.All(recipients, mail.ToReply(), hopName);
            }

            var outcomes = new Dictionary<string, RecipientOutcome>(StringComparer.Ordinal);
            var accepted = new List<SpoolRecipient>();
            foreach (var r in recipients)
            {
                var rcpt = await line.CommandAsync($"RCPT TO:<{r.Address}>", timeout.Token);
                if (rcpt.Code is 250 or 251)
                {
                    accepted.Add(r);
                }
                else
                {
                    var reply = rcpt.ToReply();
                    outcomes[r.Address] = new RecipientOutcome(r.Address, reply.IsPermanent ? RecipientResult.Failed : RecipientResult.Deferred, reply, hopName, FromRemote: true);
                }
            }

            if (accepted.Count > 0)
            {
                var data = await line.CommandAsync("DATA", timeout.Token);
                if (data.Code != 354)
                {
                    foreach (var r in accepted)
                    {
                        var reply = data.ToReply();
                        outcomes[r.Address] = new RecipientOutcome(r.Address, reply.IsPermanent ? RecipientResult.Failed : RecipientResult.Deferred, reply, hopName, FromRemote: true);
                    }
                }
                else
                {
                    await using (var content = spooled.OpenForDelivery())
                    {
                        await DotStuffing.CopyAsync(content, stream, timeout.Token);
                    }

                    // RFC 2033 §4.2: one reply per accepted recipient, in RCPT order.
                    foreach (var r in accepted)
                    {
                        var reply = (await line.ReadReplyAsync(timeout.Token)).ToReply();
                        outcomes[r.Address] = new RecipientOutcome(r.Address, reply.IsSuccess ? RecipientResult.Delivered : reply.IsPermanent ? RecipientResult.Failed : RecipientResult.Deferred, reply, hopName, FromRemote: true);
                    }
                }
            }

            await line.CommandAsync("QUIT", timeout.Token);
            return recipients.Select(r => outcomes[r.Address]).ToList();
        }
        catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or InvalidDataException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return SmtpDeliveryClient.All(recipients, new DeliveryReply(451, "4.4.2", $"connection_lost: {hopName}: {ex.GetType().Name}"), hopName);
        }
    }

    private async Task<Stream> StartTlsAsync(Stream inner, string host, InternalNextHopOptions hop, DeliveryOptions options, CancellationToken ct)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        X509Certificate2Collection? roots = null;
        if (!string.IsNullOrEmpty(hop.CaFile))
        {
            roots = [];
            roots.ImportFromPemFile(hop.CaFile);
        }

        await ssl.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = host,
                EnabledSslProtocols = options.MinimumTlsVersion == "Tls13" ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateContext = hop.PresentClientCertificate ? _clientCertificate.Current : null,
                RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
                {
                    if (!hop.CheckCertificateName)
                    {
                        errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
                    }

                    if (roots is null || cert is null)
                    {
                        return errors == SslPolicyErrors.None;
                    }

                    using var c = new X509Chain();
                    c.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    c.ChainPolicy.CustomTrustStore.AddRange(roots);
                    c.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var peer = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                    return c.Build(peer) && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
                },
            },
            ct);
        return ssl;
    }

    private static void Expect(LmtpReply reply, int code, string step)
    {
        if (reply.Code != code)
        {
            throw new InvalidDataException($"LMTP {step} answered {reply.Code}");
        }
    }

    /// <summary>A reply: its code and the text of each line.</summary>
    private sealed record LmtpReply(int Code, IReadOnlyList<string> Lines)
    {
        public DeliveryReply ToReply() => DeliveryReply.FromServer(Code, string.Join(' ', Lines));
    }

    /// <summary>Reads CRLF lines from the server and writes commands.</summary>
    private sealed class LineChannel
    {
        private readonly Stream _stream;
        private readonly byte[] _buffer = new byte[4096];
        private int _start;
        private int _end;

        public LineChannel(Stream stream)
        {
            _stream = stream;
        }

        public async Task<LmtpReply> CommandAsync(string command, CancellationToken ct)
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"), ct);
            await _stream.FlushAsync(ct);
            return await ReadReplyAsync(ct);
        }

        public async Task<LmtpReply> ReadReplyAsync(CancellationToken ct)
        {
            var lines = new List<string>();
            while (true)
            {
                var line = await ReadLineAsync(ct);
                if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
                {
                    throw new InvalidDataException("LMTP reply without a code");
                }

                lines.Add(line.Length > 4 ? line[4..] : string.Empty);
                if (line.Length == 3 || line[3] != '-')
                {
                    return new LmtpReply(code, lines);
                }
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken ct)
        {
            while (true)
            {
                var idx = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (idx >= 0)
                {
                    var line = Encoding.UTF8.GetString(_buffer, _start, idx - _start).TrimEnd('\r');
                    _start = idx + 1;
                    return line;
                }

                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }

                if (_end == _buffer.Length)
                {
                    throw new InvalidDataException("LMTP reply line too long");
                }

                var n = await _stream.ReadAsync(_buffer.AsMemory(_end), ct);
                if (n == 0)
                {
                    throw new IOException("LMTP server closed the connection");
                }

                _end += n;
            }
        }
    }
}
