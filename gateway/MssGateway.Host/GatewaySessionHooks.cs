using Microsoft.Extensions.Logging;
using MssGateway.Directory;
using MssGateway.Journal;
using MssGateway.Policy;
using MssGateway.Smtp;
using MssGateway.Spool;
using MssGateway.Trust;

namespace MssGateway.Host;

/// <summary>
/// The MSSanté decisions on top of the SMTP engine (DESIGN.md §1): client certificate → identity,
/// MAIL FROM → sender bound to the certificate holder (the null sender included, issue 12 rule 1),
/// RCPT → on a relay listener only the gateway's own domains, then the liste blanche before the
/// directory (rule 2), end of data → MIME policy and header binding, then the durable spool.
/// Addresses reach the logs only through the <see cref="AddressRedactor"/> (rule 9).
/// </summary>
public sealed class GatewaySessionHooks : ISmtpSessionHooks
{
    /// <summary>Key in <see cref="SmtpSessionInfo.Items"/> of the MAIL FROM binding of the current transaction.</summary>
    private const string MailFromBindingItem = "mssgw.policy.mail_from_binding";

    private readonly GatewayOptions _options;
    private readonly ClientCertificateCheck _certificateCheck;
    private readonly IMailboxDirectory _directory;
    private readonly SenderBindingPolicy _senderBinding;
    private readonly PolicyMetrics _policyMetrics;
    private readonly HashSet<string> _localDomains;
    private readonly MessagePolicy _policy;
    private readonly IAcceptedMessageSink _sink;
    private readonly MessageSpool _spool;
    private readonly SpoolSpace _space;
    private readonly AddressRedactor _redactor;
    private readonly ILogger<GatewaySessionHooks> _logger;
    private readonly TimeProvider _time;
    private readonly IExchangeJournal? _journal;

    public GatewaySessionHooks(
        GatewayOptions options,
        ClientCertificateCheck certificateCheck,
        IMailboxDirectory directory,
        SenderBindingPolicy senderBinding,
        PolicyMetrics policyMetrics,
        MessagePolicy policy,
        IAcceptedMessageSink sink,
        MessageSpool spool,
        SpoolSpace space,
        AddressRedactor redactor,
        ILogger<GatewaySessionHooks> logger,
        TimeProvider time,
        IExchangeJournal? journal = null)
    {
        _journal = journal;
        _options = options;
        _certificateCheck = certificateCheck;
        _directory = directory;
        _senderBinding = senderBinding;
        _policyMetrics = policyMetrics;
        _localDomains = options.Delivery.LocalDomains.Select(AddressKey.NormaliseDomain).ToHashSet(StringComparer.Ordinal);
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
        ValueTask.FromResult(Draining ? GatewayVerdicts.Reply(GatewayRefusal.Draining) : null);

    public async ValueTask<SmtpReply?> OnTlsEstablishedAsync(SmtpSessionInfo session, CancellationToken cancellationToken)
    {
        var refusal = await _certificateCheck.OnTlsEstablishedAsync(session, cancellationToken);
        if (refusal is not null)
        {
            GatewayLog.CertificateRefused(_logger, session.Id, session.Listener.Name, session.RemoteEndPoint?.Address.ToString(), _redactor.RedactText(session.ClientCertificate?.Subject), session.ClientCertificate?.SerialNumber, refusal.Reason);
        }

        return refusal;
    }

    public async ValueTask<SmtpReply?> OnMailFromAsync(SmtpSessionInfo session, SmtpMailFrom mailFrom, CancellationToken cancellationToken)
    {
        session.Items.Remove(MailFromBindingItem); // a new MAIL starts a new transaction
        if (!_space.HasRoom())
        {
            return GatewayVerdicts.Reply(GatewayRefusal.SpoolFull);
        }

        if (TerminalSafeText.HasUnsafeCharacters(mailFrom.Address))
        {
            var unsafeAddress = GatewayVerdicts.Reply(GatewayRefusal.UnsafeAddress);
            GatewayLog.EnvelopeRefused(_logger, "mail", session.Id, _redactor.Render(mailFrom.Address), unsafeAddress.Reason, _redactor.RedactText(IdentityOf(session)?.Subject));
            return unsafeAddress;
        }

        var listener = (GatewayListenerOptions)session.Listener;
        SmtpReply? refusal = null;
        MailFromBinding? binding = null;
        try
        {
            if (session.Items.TryGetValue(ClientCertificateCheck.VerdictItem, out var v) && v is CertificateVerdict verdict)
            {
                // The null sender is bound too (rule 1): no shortcut before the certificate's holder is asked.
                refusal = ClientCertificateCheck.ReplyFor(verdict);
                if (verdict.IsTrusted)
                {
                    binding = await _senderBinding.CheckMailFromAsync(verdict.Identity!, mailFrom.Address, cancellationToken);
                }
            }
            else if (listener.ClientCertificate == ClientCertificateMode.Require)
            {
                refusal = GatewayVerdicts.Reply(CertificateRefusal.Missing);
            }
        }
        catch (Exception ex) when (IsDirectoryFailure(ex))
        {
            refusal = GatewayVerdicts.Reply(GatewayRefusal.DirectoryUnavailable); // sender binding needs the directory
        }

        if (refusal is null && binding is not null)
        {
            if (binding.Refusal is { } senderRefusal)
            {
                refusal = GatewayVerdicts.Reply(senderRefusal);
            }
            else if (binding.Violation is { } violation)
            {
                _policyMetrics.SenderBindingViolation(listener.Name, listener.SenderBinding, violation.Reason);
                LogViolation(session, listener, "mail", violation);
                refusal = listener.SenderBinding == SenderBindingMode.Enforce ? GatewayVerdicts.Reply(violation.Refusal) : null;
            }
        }

        if (refusal is not null)
        {
            GatewayLog.EnvelopeRefused(_logger, "mail", session.Id, _redactor.Render(mailFrom.Address), refusal.Reason, _redactor.RedactText(IdentityOf(session)?.Subject));
            return refusal;
        }

        if (binding is not null)
        {
            session.Items[MailFromBindingItem] = new PendingMailFromBinding(mailFrom, binding);
        }

        return null;
    }

    public async ValueTask<SmtpReply?> OnRecipientAsync(SmtpSessionInfo session, SmtpTransaction transaction, SmtpRecipient recipient, CancellationToken cancellationToken)
    {
        SmtpReply? refusal;
        try
        {
            refusal = TerminalSafeText.HasUnsafeCharacters(recipient.Address)
                ? GatewayVerdicts.Reply(GatewayRefusal.UnsafeAddress)
                : await DecideRecipientAsync((GatewayListenerOptions)session.Listener, recipient.Address, cancellationToken);
        }
        catch (Exception ex) when (IsDirectoryFailure(ex))
        {
            // The directory cannot answer: a temporary failure, the client retries (never a 5xx guess).
            refusal = GatewayVerdicts.Reply(GatewayRefusal.DirectoryUnavailable);
        }

        if (refusal is not null)
        {
            GatewayLog.EnvelopeRefused(_logger, "rcpt", session.Id, _redactor.Render(recipient.Address), refusal.Reason, _redactor.RedactText(IdentityOf(session)?.Subject));
        }

        return refusal;
    }

    /// <summary>
    /// Rule 2, in this order: a relay listener takes only the gateway's own domains (no relaying between
    /// third parties); the liste blanche comes before the directory (a listed mailbox on a domain that is
    /// not authorised is still refused); then the directory.
    /// </summary>
    private async ValueTask<SmtpReply?> DecideRecipientAsync(GatewayListenerOptions listener, string address, CancellationToken cancellationToken)
    {
        var domain = AddressKey.DomainOf(address);
        if (listener.RoleInForce() == ListenerRole.Relay && !_localDomains.Contains(domain))
        {
            return GatewayVerdicts.Reply(GatewayRefusal.RelayDenied);
        }

        if (domain.Length == 0 || await _directory.FindAuthorisedDomainAsync(domain, cancellationToken) is null)
        {
            return GatewayVerdicts.Reply(GatewayRefusal.RecipientDomainNotAuthorised);
        }

        if (await _directory.FindByAddressAsync(address, cancellationToken) is not null)
        {
            return null;
        }

        return _options.Routing.AcceptUnlistedRecipientsOnAuthorisedDomains ? null : GatewayVerdicts.Reply(GatewayRefusal.RecipientUnknown);
    }

    private void LogViolation(SmtpSessionInfo session, GatewayListenerOptions listener, string stage, SenderBindingViolation violation) =>
        GatewayLog.SenderBindingViolation(
            _logger, session.Id, listener.Name, stage, listener.SenderBinding == SenderBindingMode.Tag ? "tag" : "enforce", violation.Reason,
            violation.Address is null ? null : _redactor.Render(violation.Address), _redactor.RedactText(IdentityOf(session)?.Subject), violation.Detail);

    /// <summary>The directory contract's one failure type (every implementation throws it and only it).</summary>
    private static bool IsDirectoryFailure(Exception ex) => ex is DirectoryUnavailableException;

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
            session.TlsCipherSuite?.ToString(), _redactor.RedactText(session.ClientCertificate?.Subject), session.ClientCertificate?.SerialNumber, identity?.NationalIdentifier ?? identity?.StructureIdentifier,
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
        var mailFromBinding = session.Items.TryGetValue(MailFromBindingItem, out var b) && b is PendingMailFromBinding pending && ReferenceEquals(pending.MailFrom, transaction.MailFrom)
            ? pending.Binding
            : null;
        var receivedAt = _time.GetUtcNow();
        var sender = _redactor.Render(transaction.MailFrom.Address);
        MessagePolicyVerdict verdict;
        try
        {
            await using var content = spoolWriter.OpenContentForRead();
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
                    ClientIdentity = identity,
                    SenderBinding = listener.SenderBinding,

                    // A trusted identity without a MAIL FROM decision cannot happen; bind it as unbound rather than skip.
                    MailFromBinding = identity is null ? null : mailFromBinding ?? MailFromBinding.Violated(new SenderBindingViolation(PolicyRefusal.SenderNotBound, transaction.MailFrom.Address, "no MAIL FROM binding recorded")),
                    ReceivedAt = receivedAt,
                },
                cancellationToken);
        }
        catch (Exception ex) when (IsDirectoryFailure(ex))
        {
            // Header binding and the S/MIME signer match read the directory: try again later, never a 5xx guess.
            var unavailable = GatewayVerdicts.Reply(GatewayRefusal.DirectoryUnavailable);
            GatewayLog.MessageRefused(_logger, session.Id, sender, transaction.Recipients.Count, size, unavailable.Reason, unavailable.Code, unavailable.EnhancedCode);
            _journal?.Append(ExchangeRecord(JournalRecordKind.Refusal, session, transaction, identity, size, unavailable, null, null, receivedAt));
            return unavailable;
        }

        if (verdict.SenderBindingViolation is { } violation && !ReferenceEquals(violation, mailFromBinding?.Violation))
        {
            LogViolation(session, listener, "data", violation);
        }

        if (verdict.Refusal is { } policyRefusal)
        {
            var reply = GatewayVerdicts.Reply(policyRefusal);
            GatewayLog.MessageRefused(_logger, session.Id, sender, transaction.Recipients.Count, size, reply.Reason, reply.Code, reply.EnhancedCode);
            _journal?.Append(ExchangeRecord(JournalRecordKind.Refusal, session, transaction, identity, size, reply, verdict, null, receivedAt));
            return reply;
        }

        var now = receivedAt;
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
            HeloName = TerminalSafeText.Escape(session.HeloName),
            TlsProtocol = session.IsTls ? session.TlsProtocolName : null,
            TlsCipher = session.TlsCipherSuite?.ToString(),
            ClientCertificateSubject = TerminalSafeText.Escape(identity?.Subject ?? session.ClientCertificate?.Subject),
            ClientIdentity = identity?.NationalIdentifier ?? identity?.StructureIdentifier,
            SmimeVerdict = verdict.SmimeLabel,
            PrependHeaders = (verdict.AuthenticationResultsHeader ?? string.Empty) + SmtpTraceHeader.Build(session, transaction, spoolWriter.QueueId, now),
            SkipRanges = verdict.ForgedHeaderRanges.Select(r => new SpoolByteRange(r.Offset, r.Length)).ToArray(),
        };

        var queued = GatewayVerdicts.Queued(spoolWriter.QueueId);
        try
        {
            // The accept record is part of the durable accept (issue 17): appended just before the
            // message's durable barrier and covered by it (one syncfs for both), and the message is only
            // published (then 250) once both are on disk.
            var record = _journal?.WithMessage(ExchangeRecord(JournalRecordKind.Accept, session, transaction, identity, size, queued, verdict, spoolWriter.QueueId, now));
            await spoolWriter.CommitAsync(envelope, record, cancellationToken);
        }
        catch (IOException ex)
        {
            GatewayLog.SpoolWriteFailed(_logger, ex, session.Id);
            _journal?.Append(ExchangeRecord(JournalRecordKind.Refusal, session, transaction, identity, size, SmtpReplies.LocalError, verdict, spoolWriter.QueueId, now));
            return SmtpReplies.LocalError;
        }

        GatewayLog.MessageAccepted(_logger, spoolWriter.QueueId, session.Id, sender, transaction.Recipients.Count, size, verdict.SmimeLabel);
        // Delivery classifies it without reading it back, and may start its pass on this thread up to the next hop's
        // reply (claim, reopen, the TLS write): after the 250 has gone to the client, so that the accept's reply
        // never waits for that work (the message is durable already; a crash before the hand-off leaves it in
        // incoming/, which the start-up scan finds).
        var queueId = spoolWriter.QueueId;
        var committed = spoolWriter.Committed;
        session.AfterRepliesSent(() => _sink.Accepted(queueId, committed));
        return queued;
    }

    /// <summary>
    /// The journal record of an accept or a refusal after DATA: who (certificate identity, issuer,
    /// listener, client address, TLS), what envelope (addresses: the journal hashes them as the logs do),
    /// which verdicts, and the answer given. Never a header, a subject or a body.
    /// </summary>
    private static JournalRecord ExchangeRecord(JournalRecordKind kind, SmtpSessionInfo session, SmtpTransaction transaction, CertificateIdentity? identity, long size, SmtpReply reply, MessagePolicyVerdict? verdict, string? queueId, DateTimeOffset time) => new()
    {
        Kind = kind,
        Time = time,
        QueueId = queueId,
        SessionId = session.Id,
        Listener = session.Listener.Name,
        ClientAddress = session.RemoteEndPoint?.Address.ToString(),
        ClientIdentity = identity?.NationalIdentifier ?? identity?.StructureIdentifier,
        ClientSubject = TerminalSafeText.Escape(identity?.Subject ?? session.ClientCertificate?.Subject),
        ClientIssuer = TerminalSafeText.Escape(identity?.Issuer ?? session.ClientCertificate?.Issuer),
        ClientSerial = session.ClientCertificate?.SerialNumber,
        Tls = session.IsTls ? session.TlsProtocolName : null,
        TlsCipher = session.TlsCipherSuite?.ToString(),
        Sender = transaction.MailFrom.Address,
        Recipients = [.. transaction.Recipients.Select(r => r.Address)],
        Size = size,
        Policy = reply.IsPositive ? "accepted" : reply.Reason ?? "refused",
        Smime = verdict?.SmimeLabel,
        SenderBinding = verdict?.SenderBindingViolation?.Reason,
        ReplyCode = reply.Code,
        EnhancedCode = reply.EnhancedCode,
        Reason = reply.Reason,
    };

    /// <summary>The MAIL FROM decision, kept for the end of data of the same transaction.</summary>
    private sealed record PendingMailFromBinding(SmtpMailFrom MailFrom, MailFromBinding Binding);

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
