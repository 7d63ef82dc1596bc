using System.Net;

namespace MssGateway.Smtp;

/// <summary>How a listener uses TLS.</summary>
public enum SmtpTlsMode
{
    /// <summary>Plain SMTP only (tests and trusted internal hops; never for MSSanté traffic).</summary>
    None,

    /// <summary>Plain connection upgraded with STARTTLS (RFC 3207): ports 25 and 587.</summary>
    StartTls,

    /// <summary>TLS from the first byte (RFC 8314): port 465.</summary>
    Implicit,
}

/// <summary>Whether the server asks the client for a certificate during the handshake.</summary>
public enum ClientCertificateMode
{
    /// <summary>No certificate is requested.</summary>
    None,

    /// <summary>A certificate is requested; its absence is left to the session hooks.</summary>
    Request,

    /// <summary>A certificate is requested and a session without one is refused (client_cert_missing).</summary>
    Require,
}

/// <summary>One SMTP listener: where it listens and the TLS policy it enforces (products may extend it with their own policy).</summary>
public class SmtpListenerOptions
{
    /// <summary>Name used in logs and metric labels (bounded: the configured listener names).</summary>
    public string Name { get; set; } = "submission";

    /// <summary>Address to bind; "0.0.0.0", "::" or a literal address.</summary>
    public string Address { get; set; } = "0.0.0.0";

    public int Port { get; set; } = 587;

    public SmtpTlsMode TlsMode { get; set; } = SmtpTlsMode.StartTls;

    /// <summary>When true (the default), mail commands before TLS get 530 5.7.0 (tls_required).</summary>
    public bool RequireTls { get; set; } = true;

    public ClientCertificateMode ClientCertificate { get; set; } = ClientCertificateMode.Require;

    /// <summary>Per-listener override of <see cref="SmtpServerLimits.MaxMessageSize"/>; null keeps the server's.</summary>
    public long? MaxMessageSize { get; set; }

    /// <summary>Per-listener override of <see cref="SmtpServerLimits.MaxConcurrentSessions"/>; null keeps the server's.</summary>
    public int? MaxConcurrentSessions { get; set; }

    /// <summary>
    /// HAProxy PROXY protocol (v1 text or v2 binary, detected) in front of SMTP: the load balancer
    /// passes the client's address, which then drives logs, per-IP limits and the Received header.
    /// Only connections from <see cref="ProxyProtocolTrustedNetworks"/> are accepted on such a listener.
    /// </summary>
    public bool ProxyProtocol { get; set; }

    /// <summary>CIDR blocks (e.g. "10.0.0.0/8") of the load balancers allowed to send a PROXY header; required with <see cref="ProxyProtocol"/>.</summary>
    public List<string> ProxyProtocolTrustedNetworks { get; set; } = [];

    public IPEndPoint ToEndPoint()
    {
        if (!IPAddress.TryParse(Address, out var ip))
        {
            throw new FormatException($"Listener '{Name}': Address '{Address}' is not an IP address.");
        }

        return new IPEndPoint(ip, Port);
    }
}
