namespace MssGateway.Smtp;

/// <summary>
/// Where in a session a reply was given: the <c>stage</c> label of <c>mssgw_smtp_refusals_total</c>
/// and of the refusal log event. Rendered by <see cref="SmtpSessionLabels"/> only (docs/smtp.md
/// "Stages and end reasons").
/// </summary>
public enum SmtpStage
{
    /// <summary>The greeting, or a connection refused by the hooks before it ("connect").</summary>
    Connect,

    /// <summary>STARTTLS, and the client certificate judged after the handshake ("tls").</summary>
    Tls,

    /// <summary>HELO / EHLO ("helo").</summary>
    Helo,

    /// <summary>MAIL FROM ("mail").</summary>
    Mail,

    /// <summary>RCPT TO ("rcpt").</summary>
    Rcpt,

    /// <summary>DATA, BDAT and the end-of-data decision ("data").</summary>
    Data,

    /// <summary>Any other command, and the session's own limits (budgets, timeouts, shutdown) ("command").</summary>
    Command,
}
