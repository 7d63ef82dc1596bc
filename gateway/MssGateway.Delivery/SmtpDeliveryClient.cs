using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// Delivery of one group of recipients to one destination over a reused session (issue 13 §1). To
/// other operators: STARTTLS required (never plain), the gateway's client certificate, and on every new
/// connection the peer's certificate checked against the MX or transport-map host name and by
/// <see cref="IPeerCertificateValidator"/> (chain to IGC-Santé, revocation, subject DN listed for the
/// recipients' domain) before any envelope command; on a reused connection the validator runs again
/// for each message (its verdicts are cached), so a peer delisted or revoked meanwhile gets nothing
/// more. MX hosts are tried in order while the failure is about the connection. A session the peer had
/// closed while it sat in the pool is noticed at once (no answer at all) and the transaction is retried
/// on a new connection, not deferred.
/// </summary>
internal sealed class SmtpDeliveryClient : INextHopTransport
{
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly IMxResolver _mx;
    private readonly IPeerCertificateValidator _peerValidator;
    private readonly ClientCertificateSource _clientCertificate;
    private readonly DeliveryMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _rootsLock = new();
    private (string Key, X509Certificate2Collection Roots)? _internalRoots;

    public SmtpDeliveryClient(IOptionsMonitor<DeliveryOptions> options, IMxResolver mx, IPeerCertificateValidator peerValidator, ClientCertificateSource clientCertificate, DeliveryMetrics metrics, TimeProvider time, ILogger<SmtpDeliveryClient> logger)
    {
        _logger = logger;
        _options = options;
        _mx = mx;
        _peerValidator = peerValidator;
        _clientCertificate = clientCertificate;
        _metrics = metrics;
        _time = time;
    }

    public async Task<NextHopResult> DeliverAsync(NextHopDelivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var options = _options.CurrentValue;
        var envelope = delivery.Message.Envelope;
        var hop = delivery.Hop;

        // Nothing from the spool goes on the wire unless it can be written as a path: no command injection.
        var utf8 = envelope.SmtpUtf8;
        if (envelope.Sender.Length > 0 && !SmtpCommandText.IsWritable(envelope.Sender, utf8))
        {
            return new NextHopResult(All(delivery.Recipients, new DeliveryReply(553, "5.1.7", "the sender address cannot be written in MAIL FROM"), hop.Key));
        }

        var badSyntax = delivery.Recipients.Where(r => !SmtpCommandText.IsWritable(r.Address, utf8))
            .Select(r => new RecipientOutcome(r.Address, RecipientResult.Failed, new DeliveryReply(553, "5.1.3", "the recipient address cannot be written in RCPT TO"), hop.Key))
            .ToList();
        var recipients = delivery.Recipients.Where(r => badSyntax.All(b => b.Address != r.Address)).ToList();
        if (recipients.Count == 0)
        {
            return new NextHopResult(badSyntax);
        }

        var forceNew = false;
        var feedback = NextHopFeedback.None;
        for (var attempt = 0; ; attempt++)
        {
            var (session, reused, failure, failedHop) = await AcquireAsync(delivery.Destination, hop, options, forceNew, ct);
            if (session is null)
            {
                return new NextHopResult([.. badSyntax, .. All(recipients, failure!, failedHop)], failure!.IsPermanent && !IsConnectionLevel(failure) ? NextHopFeedback.None : NextHopFeedback.Failure, failure);
            }

            var keep = false;
            try
            {
                if (reused)
                {
                    _metrics.ConnectionReused();
                    if (hop.Kind == NextHopKind.Operator)
                    {
                        // Every message on a reused connection: the certificate is still trusted and its DN still listed.
                        var refusal = await CheckPeerAsync(session, hop.Domain, session.Target.Host, options, ct);
                        if (refusal is not null)
                        {
                            session.Retire(); // a transaction in flight on it finishes; nothing new goes to this peer on it
                            return new NextHopResult([.. badSyntax, .. All(recipients, refusal, session.Name)], NextHopFeedback.Failure, refusal);
                        }
                    }
                }

                var unsupported = Unsupported(envelope, delivery.Content.Length, session.Capabilities);
                if (unsupported is not null)
                {
                    keep = true;
                    return new NextHopResult([.. badSyntax, .. All(recipients, unsupported, session.Name)], NextHopFeedback.Success);
                }

                var result = await session.SendAsync(envelope, recipients, delivery.Content, ct);
                keep = result.SessionUsable;
                if (result.NothingAnswered && reused && attempt == 0)
                {
                    forceNew = true; // the peer had closed this idle connection: not an attempt, try a fresh one
                    continue;
                }

                feedback = result.NothingAnswered ? NextHopFeedback.None : NextHopFeedback.Success;
                return new NextHopResult([.. badSyntax, .. result.Outcomes], feedback);
            }
            finally
            {
                if (!keep)
                {
                    session.Retire();
                }

                // The last user of a session that may carry no more closes it; a transaction pipelined behind this one may still be using it.
                if (delivery.Destination.Sessions.Release(session, _time.GetUtcNow(), options))
                {
                    await session.QuitAsync(CancellationToken.None);
                }
            }
        }
    }

    /// <summary>Closes every idle session of a destination that has aged out (the scheduler calls this every second).</summary>
    public static async Task SweepAsync(Destination destination, DateTimeOffset now, DeliveryOptions options)
    {
        var expired = new List<OutboundSession>();
        destination.Sessions.Sweep(now, options, expired);
        foreach (var s in expired)
        {
            await s.QuitAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// A pooled session, or a new one. The settings of a new connection (client certificate, the internal
    /// hop's CA file: files whose change must be noticed) are only looked at when one is opened, not for
    /// each message sent on a reused connection (that was six file stats per message).
    /// </summary>
    private async Task<(OutboundSession? Session, bool Reused, DeliveryReply? Failure, string FailedHop)> AcquireAsync(
        Destination destination, NextHop hop, DeliveryOptions options, bool forceNew, CancellationToken ct)
    {
        var expired = new List<OutboundSession>();
        OutboundSession? pooled = null;
        if (forceNew)
        {
            destination.Sessions.ReserveOpen();
        }
        else
        {
            pooled = await destination.Sessions.TakeAsync(_time, options, destination, expired, ct);
        }

        foreach (var s in expired)
        {
            await s.QuitAsync(CancellationToken.None);
        }

        if (pooled is not null)
        {
            return (pooled, true, null, pooled.Name);
        }

        // TakeAsync (or ReserveOpen) counted this connection as being opened: Opened settles it, whatever happens.
        OutboundSession? opened = null;
        try
        {
            var (session, failure, failedHop) = await OpenAsync(hop, options, ct);
            if (session is not null)
            {
                opened = session;
                destination.Pipelines = session.OffersPipelining;
            }

            return (session, false, failure, failedHop);
        }
        finally
        {
            destination.Sessions.Opened(opened);
        }
    }

    /// <summary>A new connection to the hop (MX hosts in order while the failure is about the connection), its peer checked.</summary>
    private async Task<(OutboundSession? Session, DeliveryReply? Failure, string FailedHop)> OpenAsync(NextHop hop, DeliveryOptions options, CancellationToken ct)
    {
        IReadOnlyList<NextHopAddress> targets;
        if (hop.Fixed is { } fixedTarget)
        {
            targets = [fixedTarget];
        }
        else
        {
            var mx = await _mx.ResolveAsync(hop.Domain, ct);
            if (mx.Failure is { } dns)
            {
                return (null, dns, "dns:" + hop.Domain);
            }

            targets = mx.Hosts.Select(h => new NextHopAddress(h, options.RemotePort)).ToList();
        }

        var settings = Settings(hop, options);
        var last = DeliveryFailures.Reply(DeliveryFailure.ConnectFailed, "no next hop host to try");
        var lastHop = hop.Key;
        foreach (var target in targets)
        {
            var (session, failure) = await OutboundSession.OpenAsync(settings, target, _time.GetUtcNow(), _metrics, _logger, ct);
            lastHop = target.ToString();
            if (session is null)
            {
                _metrics.Connection("failed");
                last = failure!;
                continue;
            }

            if (hop.Kind == NextHopKind.Operator)
            {
                var refusal = await CheckPeerAsync(session, hop.Domain, target.Host, options, ct);
                if (refusal is not null)
                {
                    _metrics.Connection("failed");
                    await session.QuitAsync(CancellationToken.None);
                    last = refusal;
                    continue;
                }
            }

            _metrics.Connection("opened");
            return (session, null, lastHop);
        }

        return (null, last, lastHop);
    }

    private OutboundSessionSettings Settings(NextHop hop, DeliveryOptions options)
    {
        var isOperator = hop.Kind == NextHopKind.Operator;
        var internalHop = options.InternalNextHop;
        Func<X509ChainPolicy?> chainPolicy;
        Func<X509Certificate2, SslPolicyErrors, bool> accept;
        if (isOperator)
        {
            // Judged after the handshake by the trust engine (async), before any envelope command. An empty
            // custom root store spares SslStream from loading the system's roots for a chain nobody reads.
            chainPolicy = static () => new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            accept = static (_, _) => true;
        }
        else
        {
            var roots = InternalRoots(internalHop.CaFile);
            chainPolicy = roots is null
                ? static () => null
                : () =>
                {
                    var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
                    policy.CustomTrustStore.AddRange(roots);
                    return policy;
                };
            var checkName = internalHop.CheckCertificateName;
            accept = (_, errors) => (checkName ? errors : errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
        }

        return new OutboundSessionSettings
        {
            HeloName = options.EffectiveHeloName,
            Lmtp = !isOperator && internalHop.Protocol == NextHopProtocol.Lmtp,
            Tls = isOperator ? NextHopTls.StartTls : internalHop.Tls,
            ClientCertificate = isOperator || internalHop.PresentClientCertificate ? _clientCertificate.Current : null,
            Protocols = options.MinimumTlsVersion == OutboundTlsVersion.Tls13 ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13,
            AllowTlsResume = options.TlsSessionResumption,
            ChainPolicy = chainPolicy,
            AcceptCertificate = accept,
            CommandTimeout = options.SmtpTimeout,
            DataTerminationTimeout = options.DataTerminationTimeout,
            UseChunking = options.UseChunking,
        };
    }

    /// <summary>The internal hop's CA file, read once per change of the file (not at every connection).</summary>
    private X509Certificate2Collection? InternalRoots(string? caFile)
    {
        if (string.IsNullOrEmpty(caFile))
        {
            return null;
        }

        var key = caFile + "|" + File.GetLastWriteTimeUtc(caFile).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        lock (_rootsLock)
        {
            if (_internalRoots is not { } cached || cached.Key != key)
            {
                var roots = new X509Certificate2Collection();
                roots.ImportFromPemFile(caFile);
                _internalRoots = cached = (key, roots);
            }

            return cached.Roots;
        }
    }

    private async Task<DeliveryReply?> CheckPeerAsync(OutboundSession session, string domain, string host, DeliveryOptions options, CancellationToken ct)
    {
        if (session.PeerCertificate is not { } peer)
        {
            return DeliveryFailures.Reply(DeliveryFailure.PeerCertificateMissing, "the next hop presented no certificate");
        }

        if (options.CheckPeerName && !peer.MatchesHostname(host, allowWildcards: true, allowCommonName: true))
        {
            return DeliveryFailures.Reply(DeliveryFailure.PeerNameMismatch, $"the next hop's certificate does not name {host}");
        }

        var verdict = await _peerValidator.ValidateAsync(peer, session.PeerChain, domain, ct);
        return verdict.Trusted
            ? null
            : DeliveryFailures.Reply(verdict.Refusal!.Value.ToFailure(), $"the next hop's certificate is not accepted for {domain}" + (verdict.Detail is null ? string.Empty : " (" + OutboundSession.Short(verdict.Detail) + ")"));
    }

    /// <summary>Extensions the message needs but the next hop lacks: a permanent failure (RFC 6152 §3, RFC 6531 §3.2, RFC 1870).</summary>
    private static DeliveryReply? Unsupported(SpoolEnvelope envelope, long size, PeerCapabilities peer)
    {
        if (string.Equals(envelope.Body, "8BITMIME", StringComparison.OrdinalIgnoreCase) && !peer.Has(PeerExtensions.EightBitMime))
        {
            return new DeliveryReply(554, "5.6.3", "the message is 8-bit and the next hop does not support 8BITMIME");
        }

        if (envelope.SmtpUtf8 && !peer.Has(PeerExtensions.SmtpUtf8) && !IsAscii(envelope.Sender, envelope.Recipients.Select(r => r.Address)))
        {
            return new DeliveryReply(554, "5.6.7", "the addresses need SMTPUTF8 and the next hop does not support it");
        }

        if (peer.Has(PeerExtensions.Size) && peer.MaxSize > 0 && size > peer.MaxSize)
        {
            return new DeliveryReply(552, "5.3.4", $"the message ({size} octets) is larger than the next hop accepts ({peer.MaxSize})");
        }

        return null;
    }

    /// <summary>Whether a failure to open a session is about the connection (not a definitive answer about the recipients' domain).</summary>
    private static bool IsConnectionLevel(DeliveryReply reply) => reply.Code is >= 400 and < 500 || reply.EnhancedCode.StartsWith("5.7", StringComparison.Ordinal);

    internal static IReadOnlyList<RecipientOutcome> All(IReadOnlyList<SpoolRecipient> recipients, DeliveryReply reply, string hop) =>
        recipients.Select(r => new RecipientOutcome(r.Address, reply.IsPermanent ? RecipientResult.Failed : RecipientResult.Deferred, reply, hop)).ToList();

    private static bool IsAscii(string sender, IEnumerable<string> recipients) =>
        System.Text.Ascii.IsValid(sender) && recipients.All(r => System.Text.Ascii.IsValid(r));
}
