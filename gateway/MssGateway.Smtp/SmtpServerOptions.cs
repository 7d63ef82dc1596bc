namespace MssGateway.Smtp;

/// <summary>Options of the SMTP engine as a whole (<c>Gateway:Smtp</c>, listeners in <c>Gateway:Listeners</c>).</summary>
public sealed class SmtpServerOptions
{
    /// <summary>Host name in the greeting, EHLO reply and Received header.</summary>
    public string ServerName { get; set; } = Environment.MachineName;

    /// <summary>Product text in the greeting.</summary>
    public string Banner { get; set; } = "ESMTP MSSante gateway";

    public SmtpServerLimits Limits { get; set; } = new();

    public List<SmtpListenerOptions> Listeners { get; set; } = [];
}
