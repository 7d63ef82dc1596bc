namespace MssGateway.Smtp;

/// <summary>
/// The one place that turns <see cref="SmtpStage"/> and <see cref="SmtpEndReason"/> into the labels
/// logs and metrics carry. The labels are a public contract (dashboards and alerts select on them),
/// so they are spelt out here rather than derived from the member names: renaming a member changes no
/// label. A switch over constants allocates nothing on the reply path.
/// </summary>
public static class SmtpSessionLabels
{
    /// <summary>The metric/log label of a stage.</summary>
    public static string ToLabel(this SmtpStage stage) => stage switch
    {
        SmtpStage.Connect => "connect",
        SmtpStage.Tls => "tls",
        SmtpStage.Helo => "helo",
        SmtpStage.Mail => "mail",
        SmtpStage.Rcpt => "rcpt",
        SmtpStage.Data => "data",
        SmtpStage.Command => "command",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Not a stage of the engine."),
    };

    /// <summary>The log label of an end reason.</summary>
    public static string ToLabel(this SmtpEndReason reason) => reason switch
    {
        SmtpEndReason.ClientClosed => "client_closed",
        SmtpEndReason.Quit => "quit",
        SmtpEndReason.Timeout => "timeout",
        SmtpEndReason.TooManyErrors => "too_many_errors",
        SmtpEndReason.TooManyMessages => "too_many_messages",
        SmtpEndReason.ShuttingDown => "shutting_down",
        SmtpEndReason.TlsFailed => "tls_failed",
        SmtpEndReason.Refused => "refused",
        SmtpEndReason.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not an end reason of the engine."),
    };
}
