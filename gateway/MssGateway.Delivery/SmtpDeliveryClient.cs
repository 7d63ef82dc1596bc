using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// One SMTP transaction to a next hop for a group of recipients (issue 6 §3). To other operators:
/// STARTTLS required (never plain), the gateway's client certificate, and the peer certificate
/// checked by <see cref="IPeerCertificateValidator"/> and against the host name before any
/// envelope command: an untrusted peer receives nothing. MX hosts are tried in order while the
/// failure is about the connection (refused, TLS, untrusted peer); a reply to MAIL/RCPT/DATA ends
/// the attempt. Every recipient gets its own outcome.
/// </summary>
public sealed class SmtpDeliveryClient : INextHopTransport
{
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly IMxResolver _mx;
    private readonly IPeerCertificateValidator _peerValidator;
    private readonly ClientCertificateSource _clientCertificate;
    private readonly LmtpDeliveryClient _lmtp;

    public SmtpDeliveryClient(IOptionsMonitor<DeliveryOptions> options, IMxResolver mx, IPeerCertificateValidator peerValidator, ClientCertificateSource clientCertificate)
    {
        _options = options;
        _mx = mx;
        _peerValidator = peerValidator;
        _clientCertificate = clientCertificate;
        _lmtp = new LmtpDeliveryClient(options, clientCertificate);
    }

    public async Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(SpoolMessage spooled, MimeMessage message, NextHop hop, IReadOnlyList<SpoolRecipient> recipients, CancellationToken ct)
    {
        var options = _options.CurrentValue;
        IReadOnlyList<NextHopAddress> targets;
        if (hop.Fixed is { } fixedTarget)
        {
            targets = [fixedTarget];
        }
        else
        {
            var mx = await _mx.ResolveAsync(hop.Domain, ct);
            if (mx.Failure is { } failure)
            {
                return All(recipients, failure, "dns:" + hop.Domain);
            }

            targets = mx.Hosts.Select(h => new NextHopAddress(h, options.RemotePort)).ToList();
        }

        if (hop.Kind == NextHopKind.Internal && options.InternalNextHop.Protocol == NextHopProtocol.Lmtp)
        {
            return await _lmtp.DeliverAsync(spooled, targets[0], recipients, ct);
        }

        var last = new DeliveryReply(451, "4.4.1", "no next hop host to try");
        var lastHop = hop.Key;
        foreach (var target in targets)
        {
            var (outcomes, connectionFailure) = await TryHostAsync(spooled, message, hop, target, recipients, options, ct);
            if (outcomes is not null)
            {
                return outcomes;
            }

            last = connectionFailure!;
            lastHop = target.ToString();
        }

        return All(recipients, last, lastHop);
    }

    private async Task<(IReadOnlyList<RecipientOutcome>? Outcomes, DeliveryReply? ConnectionFailure)> TryHostAsync(
        SpoolMessage spooled, MimeMessage message, NextHop hop, NextHopAddress target, IReadOnlyList<SpoolRecipient> recipients, DeliveryOptions options, CancellationToken ct)
    {
        var envelope = spooled.Envelope;
        var hopName = target.ToString();
        var isOperator = hop.Kind == NextHopKind.Operator;
        var presentCertificate = isOperator || options.InternalNextHop.PresentClientCertificate;
        using var client = new GatewaySmtpClient(envelope, recipients, presentCertificate ? _clientCertificate.Current : null)
        {
            LocalDomain = options.EffectiveHeloName,
            Timeout = (int)Math.Min(int.MaxValue, options.SmtpTimeout.TotalMilliseconds),
            SslProtocols = options.MinimumTlsVersion == "Tls13" ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13,
            CheckCertificateRevocation = false, // revocation is the trust engine's job (CRL cache), never a fetch per handshake
        };

        X509Certificate2? peer = null;
        var extra = new X509Certificate2Collection();
        var internalTrust = isOperator ? null : InternalTrust(options.InternalNextHop, target.Host);
        client.ServerCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (certificate is null)
            {
                return false;
            }

            peer = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            if (chain is not null)
            {
                foreach (var c in chain.ChainPolicy.ExtraStore)
                {
                    extra.Add(X509CertificateLoader.LoadCertificate(c.RawData));
                }
            }

            // Operators: decided after the handshake by the trust engine (async), before any envelope command.
            return isOperator || internalTrust!(peer, extra, errors);
        };

        var socketOptions = isOperator
            ? SecureSocketOptions.StartTls
            : options.InternalNextHop.Tls switch
            {
                NextHopTls.None => SecureSocketOptions.None,
                NextHopTls.Implicit => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.StartTls,
            };

        try
        {
            // Our own socket: TCP_NODELAY, because SMTP is a chatty protocol of small writes and Nagle's
            // algorithm with delayed ACKs adds tens of milliseconds to every exchange.
            var socket = await ConnectSocketAsync(target, options.SmtpTimeout, ct);
            await client.ConnectAsync(socket, target.Host, target.Port, socketOptions, ct);
        }
        catch (Exception ex) when (ex is SocketException or IOException or SmtpProtocolException or SslHandshakeException or System.Security.Authentication.AuthenticationException or TimeoutException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return (null, new DeliveryReply(451, "4.4.1", $"connect_failed: cannot connect to {hopName}: {ex.GetType().Name}: {Short(ex.Message)}"));
        }
        catch (NotSupportedException)
        {
            return (null, new DeliveryReply(451, "4.7.10", $"starttls_not_offered: {hopName} does not offer STARTTLS, required towards this next hop"));
        }
        catch (SmtpCommandException ex)
        {
            return (null, DeliveryReply.FromServer(TransientIfGreeting((int)ex.StatusCode), ex.Message));
        }

        var badSyntax = new List<RecipientOutcome>(); // addresses MailKit cannot write: failed, not retried
        try
        {
            if (isOperator)
            {
                var refusal = await CheckPeerAsync(peer, extra, hop.Domain, target.Host, options, ct);
                if (refusal is not null)
                {
                    await QuitQuietlyAsync(client, ct);
                    return (null, refusal);
                }
            }

            var capabilities = client.Capabilities;
            var unsupported = Unsupported(envelope, spooled, capabilities, client.MaxSize);
            if (unsupported is not null)
            {
                await QuitQuietlyAsync(client, ct);
                return (All(recipients, unsupported, hopName), null);
            }

            var format = FormatOptions.Default.Clone();
            format.NewLineFormat = NewLineFormat.Dos;
            format.International = envelope.SmtpUtf8 && (capabilities & SmtpCapabilities.UTF8) != 0;
            format.EnsureNewLine = false;
            if (!TryMailbox(envelope.Sender, out var sender))
            {
                await QuitQuietlyAsync(client, ct);
                return (All(recipients, new DeliveryReply(553, "5.1.7", "the sender address cannot be written in MAIL FROM"), hopName), null);
            }

            var mailboxes = new List<MailboxAddress>();
            foreach (var r in recipients)
            {
                if (TryMailbox(r.Address, out var m))
                {
                    mailboxes.Add(m);
                }
                else
                {
                    badSyntax.Add(new RecipientOutcome(r.Address, RecipientResult.Failed, new DeliveryReply(553, "5.1.3", "the recipient address cannot be written in RCPT TO"), hopName));
                }
            }

            if (mailboxes.Count == 0)
            {
                await QuitQuietlyAsync(client, ct);
                return (badSyntax, null);
            }

            recipients = recipients.Where(r => badSyntax.All(b => b.Address != r.Address)).ToList();
            var supportsDsn = (capabilities & SmtpCapabilities.Dsn) != 0;
            try
            {
                var final = await client.SendAsync(format, message, sender, mailboxes, ct);
                var ok = DeliveryReply.FromServer(250, final);
                await QuitQuietlyAsync(client, ct);
                return ([.. badSyntax, .. recipients.Select(r => client.Refused.TryGetValue(r.Address, out var refused)
                    ? Refusal(r.Address, refused, hopName)
                    : new RecipientOutcome(r.Address, RecipientResult.Delivered, ok, hopName, supportsDsn, FromRemote: true))], null);
            }
            catch (NoRecipientAcceptedException)
            {
                await QuitQuietlyAsync(client, ct);
                return ([.. badSyntax, .. recipients.Select(r => client.Refused.TryGetValue(r.Address, out var refused)
                    ? Refusal(r.Address, refused, hopName)
                    : new RecipientOutcome(r.Address, RecipientResult.Deferred, new DeliveryReply(451, "4.4.0", "no reply to RCPT"), hopName))], null);
            }
            catch (SmtpCommandException ex) when (ex.ErrorCode is SmtpErrorCode.SenderNotAccepted or SmtpErrorCode.MessageNotAccepted)
            {
                var reply = DeliveryReply.FromServer((int)ex.StatusCode, ex.Message);
                await QuitQuietlyAsync(client, ct);
                return ([.. badSyntax, .. recipients.Select(r => client.Refused.TryGetValue(r.Address, out var refused)
                    ? Refusal(r.Address, refused, hopName)
                    : new RecipientOutcome(r.Address, reply.IsPermanent ? RecipientResult.Failed : RecipientResult.Deferred, reply, hopName, FromRemote: true))], null);
            }
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or IOException or SocketException or TimeoutException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // Lost connection or an unexpected reply mid-transaction: the outcome is unknown, so try again later.
            return ([.. badSyntax, .. All(recipients, new DeliveryReply(451, "4.4.2", $"connection_lost: {hopName}: {ex.GetType().Name}: {Short(ex.Message)}"), hopName)], null);
        }
    }

    private static async Task<Socket> ConnectSocketAsync(NextHopAddress target, TimeSpan timeout, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(target.Host, out var ip) ? [ip] : await Dns.GetHostAddressesAsync(target.Host, ct);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            connectTimeout.CancelAfter(timeout);
            try
            {
                await socket.ConnectAsync(address, target.Port, connectTimeout.Token);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                socket.Dispose();
                last = new SocketException((int)SocketError.TimedOut);
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private async Task<DeliveryReply?> CheckPeerAsync(X509Certificate2? peer, X509Certificate2Collection extra, string domain, string host, DeliveryOptions options, CancellationToken ct)
    {
        if (peer is null)
        {
            return new DeliveryReply(451, "4.7.5", "peer_cert_missing: the next hop presented no certificate");
        }

        if (options.CheckPeerName && !peer.MatchesHostname(host, allowWildcards: true, allowCommonName: true))
        {
            return new DeliveryReply(451, "4.7.5", $"peer_name_mismatch: the next hop's certificate does not name {host}");
        }

        var verdict = await _peerValidator.ValidateAsync(peer, extra, domain, ct);
        return verdict.Trusted
            ? null
            : new DeliveryReply(451, "4.7.5", $"{verdict.Reason}: the next hop's certificate is not accepted for {domain}" + (verdict.Detail is null ? string.Empty : " (" + Short(verdict.Detail) + ")"));
    }

    /// <summary>Extensions the message needs but the next hop lacks: a permanent failure (RFC 6152 §3, RFC 6531 §3.2, RFC 1870).</summary>
    private static DeliveryReply? Unsupported(SpoolEnvelope envelope, SpoolMessage spooled, SmtpCapabilities capabilities, uint maxSize)
    {
        if (string.Equals(envelope.Body, "8BITMIME", StringComparison.OrdinalIgnoreCase) && (capabilities & SmtpCapabilities.EightBitMime) == 0)
        {
            return new DeliveryReply(554, "5.6.3", "the message is 8-bit and the next hop does not support 8BITMIME");
        }

        if (envelope.SmtpUtf8 && (capabilities & SmtpCapabilities.UTF8) == 0 && !IsAscii(envelope.Sender, envelope.Recipients.Select(r => r.Address)))
        {
            return new DeliveryReply(554, "5.6.7", "the addresses need SMTPUTF8 and the next hop does not support it");
        }

        var size = spooled.ContentLength + envelope.PrependHeaders.Length;
        if ((capabilities & SmtpCapabilities.Size) != 0 && maxSize > 0 && size > maxSize)
        {
            return new DeliveryReply(552, "5.3.4", $"the message ({size} octets) is larger than the next hop accepts ({maxSize})");
        }

        return null;
    }

    private static Func<X509Certificate2, X509Certificate2Collection, SslPolicyErrors, bool> InternalTrust(InternalNextHopOptions hop, string host)
    {
        if (string.IsNullOrEmpty(hop.CaFile))
        {
            return (_, _, errors) => (hop.CheckCertificateName ? errors : errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
        }

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(hop.CaFile);
        return (peer, extra, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.ExtraStore.AddRange(extra);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(peer) && (!hop.CheckCertificateName || peer.MatchesHostname(host));
        };
    }

    private static bool TryMailbox(string address, out MailboxAddress mailbox)
    {
        try
        {
            mailbox = new MailboxAddress(string.Empty, address);
            return true;
        }
        catch (ParseException)
        {
            mailbox = null!;
            return false;
        }
    }

    private static RecipientOutcome Refusal(string address, SmtpResponse response, string hop)
    {
        var reply = DeliveryReply.FromServer((int)response.StatusCode, response.Response);
        return new RecipientOutcome(address, reply.IsPermanent ? RecipientResult.Failed : RecipientResult.Deferred, reply, hop, FromRemote: true);
    }

    internal static IReadOnlyList<RecipientOutcome> All(IReadOnlyList<SpoolRecipient> recipients, DeliveryReply reply, string hop) =>
        recipients.Select(r => new RecipientOutcome(r.Address, reply.IsPermanent ? RecipientResult.Failed : RecipientResult.Deferred, reply, hop)).ToList();

    private static int TransientIfGreeting(int code) => code is >= 400 and < 600 ? code : 451;

    private static bool IsAscii(string sender, IEnumerable<string> recipients) =>
        System.Text.Ascii.IsValid(sender) && recipients.All(r => System.Text.Ascii.IsValid(r));

    private static string Short(string text) => text.Length <= 200 ? text.ReplaceLineEndings(" ") : text[..200].ReplaceLineEndings(" ");

    private static async Task QuitQuietlyAsync(SmtpClient client, CancellationToken ct)
    {
        try
        {
            await client.DisconnectAsync(quit: true, ct);
        }
        catch (Exception ex) when (ex is IOException or SmtpProtocolException or SocketException or SmtpCommandException)
        {
            // The outcome is settled; a peer that drops the line on QUIT changes nothing.
        }
    }
}
