namespace MssGateway.Host.Dev;

/// <summary>
/// Dev mode's stand-in for the hospital's mail system (<c>Gateway:DevMaildir</c>): mail for
/// <c>Gateway:Delivery:LocalDomains</c> is delivered, through the real delivery path (scheduler,
/// routing, SMTP client), to a loopback SMTP receiver that files each message in a maildir, so
/// <c>./run.sh</c> ends with a readable message carrying the gateway's Authentication-Results.
/// Dev mode only (<c>mssgw --dev</c>): the receiver listens without TLS and accepts anything
/// (<see cref="DevMaildirOptionsValidator"/> refuses it elsewhere).
/// </summary>
public sealed class DevMaildirOptions
{
    public const string Section = "Gateway:DevMaildir";

    /// <summary>Maildir to deliver to (created with its <c>tmp</c>, <c>new</c>, <c>cur</c>); null or empty: off.</summary>
    public string? Path { get; set; }

    /// <summary>Loopback address of the receiver (the internal next hop in dev mode).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>TCP port of the receiver.</summary>
    public int Port { get; set; } = 2526;

    public bool Enabled => !string.IsNullOrWhiteSpace(Path);
}
