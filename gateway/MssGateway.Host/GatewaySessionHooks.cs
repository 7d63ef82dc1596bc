using Microsoft.Extensions.Logging;
using MssGateway.Directory;
using MssGateway.Policy;
using MssGateway.Smtp;
using MssGateway.Spool;
using MssGateway.Trust;

namespace MssGateway.Host;

/// <summary>
/// The MSSanté decisions on top of the SMTP engine (DESIGN.md §1): client certificate → identity,
/// MAIL FROM → sender bound to the certificate holder, RCPT → recipient in the directory on an
/// authorised domain, end of data → MIME policy, then the durable spool.
/// </summary>
public sealed class GatewaySessionHooks : ISmtpSessionHooks
{
    private readonly GatewayOptions _options;
    private readonly ClientCertificateCheck _certificateCheck;
    private readonly IMailboxDirectory _directory;
    private readonly MessagePolicy _policy;
    private readonly IAcceptedMessageSink _sink;
    private readonly MessageSpool _spool;
    private readonly SpoolSpace _space;
    private readonly AddressRedactor _redactor;
    private readonly ILogger<GatewaySessionHooks> _logger;
    private readonly TimeProvider _time;

    public GatewaySessionHooks(
        GatewayOptions options,
        ClientCertificateCheck certificateCheck,
        IMailboxDirectory directory,
        MessagePolicy policy,
        IAcceptedMessageSink sink,
        MessageSpool spool,
        SpoolSpace space,
        AddressRedactor redactor,
        ILogger<GatewaySessionHooks> logger,
        TimeProvider time)
    {
        _options = options;
        _certificateCheck = certificateCheck;
        _directory = directory;
        _policy = policy;
        _sink = sink;
        _spool = spool;
        _space = space;
        _redactor = redactor;
        _logger = logger;
        _time = time;
    }

    /// <summary>Set while draining: new sessions get 421.</summary>
    public bool Draining { get; set; }

    public ValueTask<SmtpReply?> OnConnectedAsync(SmtpSessionInfo session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Draining ? GatewayReplies.Draining : null);

    public async ValueTask<SmtpReply?> OnTlsEstablishedAsync(SmtpSessionInfo session, CancellationToken cancellationToken)
    {
        var refusal = await _certificateCheck.OnTlsEstablishedAsync(session, cancellationToken);
        if (refusal is not null)
        {
            GatewayLog.CertificateRefused(_logger, session.Id, session.Listener.Name, session.RemoteEndPoint?.Address.ToString(), session.ClientCertificate?.Subject, session.ClientCertificate?.SerialNumber, refusal.Reason);
        }

        return refusal;
    }

    public async ValueTask<SmtpReply?> OnMailFromAsync(SmtpSessionInfo session, SmtpMailFrom mailFrom, CancellationToken cancellationToken)
    {
        if (!_space.HasRoom())
        {
            return GatewayReplies.SpoolFull;
        }

        if (mailFrom.IsNullSender)
        {
            return null; // bounces carry no sender to bind; the certificate was already judged at TLS
        }

        SmtpReply? refusal;
        try
        {
            refusal = await _certificateCheck.OnMailFromAsync(session, mailFrom, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or StackExchange.Redis.RedisException)
        {
            refusal = GatewayReplies.DirectoryUnavailable; // sender binding needs the directory
        }

        if (refusal is not null)
        {
            GatewayLog.EnvelopeRefused(_logger, "mail", session.Id, _redactor.Render(mailFrom.Address), refusal.Reason, IdentityOf(session)?.Subject);
        }

        return refusal;
    }

    public async ValueTask<SmtpReply?> OnRecipientAsync(SmtpSessionInfo session, SmtpTransaction transaction, SmtpRecipient recipient, CancellationToken cancellationToken)
    {
        SmtpReply? refusal;
        try
        {
            refusal = await DecideRecipientAsync(recipient.Address, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or StackExchange.Redis.RedisException)
        {
            // The directory cannot answer: a temporary failure, the client retries (never a 5xx guess).
            refusal = GatewayReplies.DirectoryUnavailable;
        }

        if (refusal is not null)
        {
            GatewayLog.EnvelopeRefused(_logger, "rcpt", session.Id, _redactor.Render(recipient.Address), refusal.Reason, IdentityOf(session)?.Subject);
        }

        return refusal;
    }

    private async ValueTask<SmtpReply?> DecideRecipientAsync(string address, CancellationToken cancellationToken)
    {
        if (await _directory.FindByAddressAsync(address, cancellationToken) is not null)
        {
            return null;
        }

        var domain = AddressKey.DomainOf(address);
        if (await _directory.FindAuthorisedDomainAsync(domain, cancellationToken) is null)
        {
            return GatewayReplies.DomainNotAuthorised;
        }

        return _options.Routing.AcceptUnlistedRecipientsOnAuthorisedDomains ? null : GatewayReplies.RecipientUnknown;
    }

    public ValueTask<ISmtpMessageWriter> OpenMessageAsync(SmtpSessionInfo session, SmtpTransaction transaction, CancellationToken cancellationToken)
    {
        // The engine runs each listener with its GatewayListenerOptions (see GatewayProgram).
        var listener = (GatewayListenerOptions)session.Listener;
        ISmtpMessageWriter writer = new GatewayMessageWriter(this, session, transaction, listener, _spool.BeginMessage(_time));
        return ValueTask.FromResult(writer);
    }

    public void OnTlsHandshakeFailed(SmtpSessionInfo session, Exception error)
    {
        // Logged and counted by the engine (mssgw_tls_handshakes_total{result="failed"}).
    }

    public void OnSessionEnded(SmtpSessionInfo session, SmtpSessionSummary summary)
    {
        var identity = IdentityOf(session);
        GatewayLog.SessionEnded(
            _logger, session.Id, session.Listener.Name, session.RemoteEndPoint?.Address.ToString(), session.TlsProtocolName,
            session.TlsCipherSuite?.ToString(), session.ClientCertificate?.Subject, session.ClientCertificate?.SerialNumber, identity?.NationalIdentifier ?? identity?.StructureIdentifier,
            summary.MessagesAccepted, summary.MessagesRefused, summary.EndReason, summary.LastRefusalReason, summary.LastReplyCode,
            (long)summary.Duration.TotalMilliseconds);
    }

    /// <summary>Who the trust engine says the client is (null before TLS or without a certificate).</summary>
    internal static CertificateIdentity? IdentityOf(SmtpSessionInfo session) =>
        session.Items.TryGetValue(ClientCertificateCheck.VerdictItem, out var v) && v is CertificateVerdict { IsTrusted: true } verdict ? verdict.Identity : null;

    /// <summary>End of data: policy on the stored content, then the durable commit (called by <see cref="GatewayMessageWriter"/>).</summary>
    internal async ValueTask<SmtpReply> CompleteAsync(SpoolMessageWriter spoolWriter, SmtpSessionInfo session, SmtpTransaction transaction, GatewayListenerOptions listener, long size, CancellationToken cancellationToken)
    {
        var identity = IdentityOf(session);
        MessagePolicyVerdict verdict;
        await using (var content = spoolWriter.OpenContentForRead())
        {
            verdict = await _policy.EvaluateAsync(
                content,
                new MessagePolicyContext
                {
                    ListenerName = session.Listener.Name,
                    SmimePolicy = listener.SmimePolicy,
                    ClientCertificateSubject = identity?.Subject,
                    ClientNationalIdentifier = identity?.NationalIdentifier,
                    ClientStructureIdentifier = identity?.StructureIdentifier,
                    TlsVersion = session.IsTls ? session.TlsProtocolName : null,
                    TlsCipher = session.TlsCipherSuite?.ToString(),
                    EnvelopeSender = transaction.MailFrom.Address,
                },
                cancellationToken);
        }

        var sender = _redactor.Render(transaction.MailFrom.Address);
        if (verdict.Refusal is not null)
        {
            GatewayLog.MessageRefused(_logger, session.Id, sender, transaction.Recipients.Count, size, verdict.Refusal.Reason, verdict.Refusal.Code, verdict.Refusal.EnhancedCode);
            return verdict.Refusal;
        }

        var now = _time.GetUtcNow();
        var envelope = new SpoolEnvelope
        {
            QueueId = spoolWriter.QueueId,
            ReceivedAt = now,
            Sender = transaction.MailFrom.Address,
            Recipients = transaction.Recipients.Select(r => new SpoolRecipient { Address = r.Address, Notify = NotifyText(r.Notify), OriginalRecipient = r.OriginalRecipient }).ToArray(),
            Body = transaction.MailFrom.Body switch { SmtpBodyType.SevenBit => "7BIT", SmtpBodyType.EightBitMime => "8BITMIME", _ => null },
            SmtpUtf8 = transaction.MailFrom.SmtpUtf8,
            DsnReturn = transaction.MailFrom.Ret switch { DsnReturn.Full => "FULL", DsnReturn.Headers => "HDRS", _ => null },
            DsnEnvelopeId = transaction.MailFrom.EnvelopeId,
            ContentLength = size,
            ListenerName = session.Listener.Name,
            ClientAddress = session.RemoteEndPoint?.Address.ToString(),
            HeloName = session.HeloName,
            TlsProtocol = session.IsTls ? session.TlsProtocolName : null,
            TlsCipher = session.TlsCipherSuite?.ToString(),
            ClientCertificateSubject = identity?.Subject ?? session.ClientCertificate?.Subject,
            ClientIdentity = identity?.NationalIdentifier ?? identity?.StructureIdentifier,
            SmimeVerdict = verdict.SmimeLabel,
            PrependHeaders = (verdict.AuthenticationResultsHeader ?? string.Empty) + SmtpTraceHeader.Build(session, transaction, spoolWriter.QueueId, now),
            SkipRanges = verdict.ForgedHeaderRanges.Select(r => new SpoolByteRange(r.Offset, r.Length)).ToArray(),
        };

        try
        {
            await spoolWriter.CommitAsync(envelope, cancellationToken);
        }
        catch (IOException ex)
        {
            GatewayLog.SpoolWriteFailed(_logger, ex, session.Id);
            return SmtpReplies.LocalError;
        }

        GatewayLog.MessageAccepted(_logger, spoolWriter.QueueId, session.Id, sender, transaction.Recipients.Count, size, verdict.SmimeLabel);
        _sink.Accepted(spoolWriter.QueueId);
        return GatewayReplies.Queued(spoolWriter.QueueId);
    }

    private static string? NotifyText(DsnNotify notify)
    {
        if (notify == DsnNotify.Unspecified)
        {
            return null;
        }

        if (notify.HasFlag(DsnNotify.Never))
        {
            return "NEVER";
        }

        var parts = new List<string>(3);
        if (notify.HasFlag(DsnNotify.Success))
        {
            parts.Add("SUCCESS");
        }

        if (notify.HasFlag(DsnNotify.Failure))
        {
            parts.Add("FAILURE");
        }

        if (notify.HasFlag(DsnNotify.Delay))
        {
            parts.Add("DELAY");
        }

        return string.Join(',', parts);
    }
}
