namespace MssGateway.Smtp;

/// <summary>
/// Why a session ended: the <c>end</c> field of the one session-end log event. Rendered by
/// <see cref="SmtpSessionLabels"/> only (docs/smtp.md "Stages and end reasons").
/// </summary>
public enum SmtpEndReason
{
    /// <summary>The client closed or reset the connection without QUIT ("client_closed").</summary>
    ClientClosed,

    /// <summary>The client sent QUIT ("quit").</summary>
    Quit,

    /// <summary>A limit of time ran out: command, data block, data rate, TLS start, session duration, or a client that reads no replies ("timeout").</summary>
    Timeout,

    /// <summary>MaxErrors negative replies in the session ("too_many_errors").</summary>
    TooManyErrors,

    /// <summary>MaxMessagesPerSession messages accepted ("too_many_messages").</summary>
    TooManyMessages,

    /// <summary>The gateway is stopping ("shutting_down").</summary>
    ShuttingDown,

    /// <summary>The TLS handshake (STARTTLS or implicit) failed ("tls_failed").</summary>
    TlsFailed,

    /// <summary>The session was refused and closed: at connect, the client certificate, a budget, a protocol violation ("refused").</summary>
    Refused,

    /// <summary>An unexpected error in the engine, answered 451 4.3.0 local_error and logged ("error").</summary>
    Error,
}
