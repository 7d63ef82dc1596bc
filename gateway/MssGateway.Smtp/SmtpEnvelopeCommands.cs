using System.Globalization;
using System.Text;

namespace MssGateway.Smtp;

/// <summary>
/// The envelope commands of RFC 5321 §4.1.1: HELO/EHLO (with the extensions this listener offers in
/// its present TLS state), MAIL (§4.1.1.2, SIZE of RFC 1870) and RCPT (§4.1.1.3), and the mail
/// transaction they build. Parameter parsing is <see cref="SmtpCommandParser"/>'s; decisions on sender
/// and recipients are the product's hooks'.
/// </summary>
internal sealed class SmtpEnvelopeCommands
{
    private readonly SmtpServer _server;
    private readonly SmtpListenerOptions _listener;
    private readonly SmtpSessionInfo _info;
    private readonly long _maxMessageSize;
    private readonly CancellationToken _closing;
    private int _recipientAttempts;

    public SmtpEnvelopeCommands(SmtpServer server, SmtpListenerOptions listener, SmtpSessionInfo info, long maxMessageSize, CancellationToken closing)
    {
        _server = server;
        _listener = listener;
        _info = info;
        _maxMessageSize = maxMessageSize;
        _closing = closing;
    }

    /// <summary>The transaction in progress (after an accepted MAIL), or null.</summary>
    public SmtpTransaction? Transaction { get; private set; }

    /// <summary>True once BDAT was used in this transaction (DATA is then out of sequence, RFC 3030 §3).</summary>
    public bool ChunkingUsed { get; set; }

    /// <summary>Forgets the transaction (RSET, EHLO, STARTTLS, end of message).</summary>
    public void Reset()
    {
        Transaction = null;
        _recipientAttempts = 0;
        ChunkingUsed = false;
    }

    /// <summary>Forgets everything learnt before TLS (RFC 3207 §4.2).</summary>
    public void ForgetBeforeTls()
    {
        _info.HeloName = null;
        _info.IsExtended = false;
        Reset();
    }

    public SmtpReply Hello(bool extended, string name)
    {
        if (!SmtpCommandParser.IsValidHeloName(name))
        {
            return SmtpReplies.SyntaxError.WithText(extended ? "EHLO requires a domain or address literal" : "HELO requires a domain or address literal");
        }

        Reset();
        _info.HeloName = name;
        _info.IsExtended = extended;
        var server = _server.Options.ServerName;
        var client = _info.RemoteEndPoint?.Address.ToString() ?? "unknown";
        if (!extended)
        {
            return SmtpReplies.HeloOk.WithText($"{server} Hello {name} [{client}]");
        }

        var sb = new StringBuilder(256);
        sb.Append(server).Append(" Hello ").Append(name).Append(" [").Append(client).Append(']');
        sb.Append("\nPIPELINING\nSIZE ").Append(_maxMessageSize.ToString(CultureInfo.InvariantCulture));
        var tlsPending = _listener.RequireTls && !_info.IsTls;
        if (!tlsPending)
        {
            sb.Append("\n8BITMIME");
        }

        sb.Append("\nENHANCEDSTATUSCODES");
        if (!_info.IsTls && _listener.TlsMode == SmtpTlsMode.StartTls && _server.Tls is not null)
        {
            sb.Append("\nSTARTTLS");
        }

        if (!tlsPending)
        {
            sb.Append("\nCHUNKING\nSMTPUTF8\nDSN");
        }

        return SmtpReplies.EhloOk.WithText(sb.ToString());
    }

    public async ValueTask<SmtpAnswer> MailAsync(string args)
    {
        if (_info.HeloName is null)
        {
            return SmtpAnswer.Engine(SmtpReplies.BadSequenceHeloFirst);
        }

        if (Transaction is not null)
        {
            return SmtpAnswer.Engine(SmtpReplies.BadSequenceNestedMail);
        }

        var error = SmtpCommandParser.ParseMailFrom(args, out var mailFrom);
        if (error is not null)
        {
            return SmtpAnswer.Engine(error);
        }

        if (mailFrom!.DeclaredSize > _maxMessageSize)
        {
            return SmtpAnswer.Engine(SmtpReplies.MessageTooBig);
        }

        var refusal = await _server.Hooks.OnMailFromAsync(_info, mailFrom, _closing);
        if (refusal is not null)
        {
            return SmtpAnswer.Product(refusal);
        }

        Reset();
        Transaction = new SmtpTransaction(mailFrom);
        return SmtpAnswer.Engine(SmtpReplies.SenderOk);
    }

    public async ValueTask<SmtpAnswer> RcptAsync(string args)
    {
        var transaction = Transaction;
        if (transaction is null)
        {
            return SmtpAnswer.Engine(SmtpReplies.BadSequenceMailFirst);
        }

        _recipientAttempts++;
        if (transaction.Recipients.Count >= _server.Options.Limits.MaxRecipients)
        {
            return SmtpAnswer.Engine(SmtpReplies.TooManyRecipients);
        }

        var error = SmtpCommandParser.ParseRcptTo(args, transaction.MailFrom.SmtpUtf8, out var recipient);
        if (error is not null)
        {
            return SmtpAnswer.Engine(error);
        }

        var refusal = await _server.Hooks.OnRecipientAsync(_info, transaction, recipient!, _closing);
        if (refusal is not null)
        {
            return SmtpAnswer.Product(refusal);
        }

        transaction.AddRecipient(recipient!);
        return SmtpAnswer.Engine(SmtpReplies.RecipientOk);
    }

    /// <summary>Why message data cannot start now (RFC 5321 §4.1.1.4: MAIL and at least one accepted RCPT first), or null.</summary>
    public SmtpReply? CheckReadyForData()
    {
        if (Transaction is null)
        {
            return SmtpReplies.BadSequenceMailFirst;
        }

        if (Transaction.Recipients.Count == 0)
        {
            return _recipientAttempts > 0 ? SmtpReplies.NoValidRecipients : SmtpReplies.BadSequenceRcptFirst;
        }

        return null;
    }
}
