namespace MssGateway.Smtp;

/// <summary>BODY parameter of MAIL (RFC 6152).</summary>
public enum SmtpBodyType
{
    Unspecified,
    SevenBit,
    EightBitMime,
}

/// <summary>RET parameter of MAIL (RFC 3461 §4.3).</summary>
public enum DsnReturn
{
    Unspecified,
    Full,
    Headers,
}

/// <summary>NOTIFY parameter of RCPT (RFC 3461 §4.1), as flags; <see cref="Never"/> stands alone.</summary>
[Flags]
public enum DsnNotify
{
    Unspecified = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}

/// <summary>MAIL FROM as received: reverse-path and the parameters this server supports.</summary>
public sealed class SmtpMailFrom
{
    /// <summary>Reverse-path address; empty for the null reverse-path &lt;&gt; (bounces).</summary>
    public required string Address { get; init; }

    /// <summary>Declared size (RFC 1870), or null.</summary>
    public long? DeclaredSize { get; init; }

    public SmtpBodyType Body { get; init; }

    /// <summary>SMTPUTF8 parameter given (RFC 6531).</summary>
    public bool SmtpUtf8 { get; init; }

    public DsnReturn Ret { get; init; }

    /// <summary>ENVID (RFC 3461 §4.4), decoded from xtext.</summary>
    public string? EnvelopeId { get; init; }

    public bool IsNullSender => Address.Length == 0;
}

/// <summary>One RCPT TO with its DSN parameters.</summary>
public sealed class SmtpRecipient
{
    public required string Address { get; init; }

    public DsnNotify Notify { get; init; }

    /// <summary>ORCPT (RFC 3461 §4.2), as "addr-type;address" decoded from xtext.</summary>
    public string? OriginalRecipient { get; init; }
}

/// <summary>One mail transaction: MAIL, the accepted RCPTs, then the message data.</summary>
public sealed class SmtpTransaction
{
    private readonly List<SmtpRecipient> _recipients = [];

    public SmtpTransaction(SmtpMailFrom mailFrom)
    {
        MailFrom = mailFrom;
    }

    public SmtpMailFrom MailFrom { get; }

    public IReadOnlyList<SmtpRecipient> Recipients => _recipients;

    /// <summary>Values the hooks attach to this transaction (e.g. routing decisions).</summary>
    public IDictionary<string, object?> Items { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    internal void AddRecipient(SmtpRecipient recipient) => _recipients.Add(recipient);
}
