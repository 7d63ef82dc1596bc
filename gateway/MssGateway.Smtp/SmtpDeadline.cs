namespace MssGateway.Smtp;

/// <summary>Which limit a read is waiting against (each ends the session with its own reply).</summary>
internal enum SmtpTimeoutKind
{
    /// <summary>RFC 5321 §4.5.3.2.7: waiting for a command.</summary>
    Command,

    /// <summary>RFC 5321 §4.5.3.2.5: waiting for the next block of message data.</summary>
    DataBlock,

    /// <summary><see cref="SmtpServerLimits.MaxSessionDuration"/>.</summary>
    Session,

    /// <summary><see cref="SmtpServerLimits.TlsStartTimeout"/> on a listener that requires TLS.</summary>
    TlsStart,

    /// <summary><see cref="SmtpServerLimits.MinDataRate"/> during DATA or BDAT.</summary>
    DataRate,
}

/// <summary>The moment a read gives up, and the limit that set it (the earliest of those that apply).</summary>
internal readonly record struct SmtpDeadline(DateTimeOffset At, SmtpTimeoutKind Kind)
{
    /// <summary>The earlier of two deadlines.</summary>
    public SmtpDeadline Min(SmtpDeadline other) => other.At < At ? other : this;
}
