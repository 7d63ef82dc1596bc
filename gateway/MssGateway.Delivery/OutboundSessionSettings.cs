using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Delivery;

/// <summary>How sessions to one destination are opened and driven (built by <see cref="SmtpDeliveryClient"/> from the options).</summary>
internal sealed record OutboundSessionSettings
{
    public required string HeloName { get; init; }

    /// <summary>LMTP (RFC 2033): LHLO, and one reply per recipient after the data.</summary>
    public bool Lmtp { get; init; }

    public NextHopTls Tls { get; init; } = NextHopTls.StartTls;

    /// <summary>The gateway's certificate (with its intermediates) presented as TLS client certificate, or null.</summary>
    public SslStreamCertificateContext? ClientCertificate { get; init; }

    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Offer the session ticket or id of an earlier handshake with the same host (.NET's client-side TLS resumption).</summary>
    public bool AllowTlsResume { get; init; } = true;

    /// <summary>The chain policy SslStream builds the peer's chain with (a custom root store: never the system's ~140 roots when not needed).</summary>
    public required Func<X509ChainPolicy?> ChainPolicy { get; init; }

    /// <summary>Decides at handshake time; operator peers are judged after it, by <see cref="IPeerCertificateValidator"/>.</summary>
    public required Func<X509Certificate2, SslPolicyErrors, bool> AcceptCertificate { get; init; }

    /// <summary>Connect, greeting, command and data-block timeout (RFC 5321 §4.5.3.2 gives 5 minutes for most).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait for the reply after the data (RFC 5321 §4.5.3.2.6: 10 minutes, so a slow server does not make a duplicate).</summary>
    public TimeSpan DataTerminationTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Use BDAT (RFC 3030) when the peer offers CHUNKING.</summary>
    public bool UseChunking { get; init; } = true;

    /// <summary>Messages up to this size go in the same write as MAIL and RCPT (BDAT with PIPELINING): one round trip per message.</summary>
    public int InlineChunkLimit { get; init; } = 128 * 1024;
}
