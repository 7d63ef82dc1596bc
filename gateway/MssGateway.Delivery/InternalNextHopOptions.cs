namespace MssGateway.Delivery;

/// <summary>
/// The hospital's existing mail system that receives mail for the operator's own domains
/// (<c>Gateway:Delivery:InternalNextHop</c>).
/// </summary>
public sealed class InternalNextHopOptions
{
    /// <summary>Host name or address of the internal mail system. Empty: no local delivery configured.</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>TCP port (25 for SMTP, 24 is common for LMTP).</summary>
    public int Port { get; set; } = 25;

    public NextHopProtocol Protocol { get; set; } = NextHopProtocol.Smtp;

    public NextHopTls Tls { get; set; } = NextHopTls.StartTls;

    /// <summary>
    /// PEM file of the CA(s) that issued the internal server's certificate. Empty: the system trust
    /// store. Used only when <see cref="Tls"/> is not None.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>Whether to check the internal server's certificate name against <see cref="Host"/>.</summary>
    public bool CheckCertificateName { get; set; } = true;

    /// <summary>Whether to present the gateway's client certificate to the internal system too.</summary>
    public bool PresentClientCertificate { get; set; }
}
