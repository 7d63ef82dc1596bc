namespace MssGateway.Host.Dev;

/// <summary>
/// Dev mode's stand-in for the hospital's mail system (<c>Gateway:DevMaildir</c>): mail for
/// <c>Gateway:Delivery:LocalDomains</c> is delivered, through the real delivery path (scheduler,
/// routing, SMTP client), to a loopback SMTP receiver that files each message in a maildir, so
/// <c>./run.sh</c> ends with a readable message carrying the gateway's Authentication-Results.
/// Dev mode only (<c>mssgw --dev</c>): the receiver listens without TLS and accepts anything.
/// </summary>
public sealed class DevMaildirOptions
{
    /// <summary>Maildir to deliver to (created with its <c>tmp</c>, <c>new</c>, <c>cur</c>); null or empty: off.</summary>
    public string? Path { get; set; }

    /// <summary>Loopback address of the receiver (the internal next hop in dev mode).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>TCP port of the receiver.</summary>
    public int Port { get; set; } = 2526;

    public bool Enabled => !string.IsNullOrWhiteSpace(Path);

    /// <summary>Problems, each naming its key and the fix.</summary>
    public IEnumerable<string> Validate(bool devMode, bool deliveryEnabled, IReadOnlyList<string> localDomains)
    {
        ArgumentNullException.ThrowIfNull(localDomains);
        if (!Enabled)
        {
            yield break;
        }

        if (!devMode)
        {
            yield return "Gateway:DevMaildir:Path is for dev mode only (mssgw --dev): remove it and point Gateway:Delivery:InternalNextHop at the hospital's mail system.";
        }

        if (!System.Net.IPAddress.TryParse(Address, out var ip) || !System.Net.IPAddress.IsLoopback(ip))
        {
            yield return $"Gateway:DevMaildir:Address '{Address}' is not a loopback address: the dev receiver takes mail without TLS, use 127.0.0.1.";
        }

        if (Port is < 1 or > 65535)
        {
            yield return $"Gateway:DevMaildir:Port {Port} is out of range 1-65535.";
        }

        if (!deliveryEnabled)
        {
            yield return "Gateway:DevMaildir:Path needs delivery: set Gateway:Delivery:Enabled=true (or remove DevMaildir).";
        }

        if (localDomains.Count == 0)
        {
            yield return "Gateway:DevMaildir:Path receives the mail of Gateway:Delivery:LocalDomains, which is empty: list the dev domain (hopital-dev.mssante.test).";
        }
    }
}
