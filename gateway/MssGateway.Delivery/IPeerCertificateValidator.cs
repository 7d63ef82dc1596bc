using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Delivery;

/// <summary>
/// Decides whether another operator's gateway may receive mail for a domain (DESIGN.md §3: the next
/// hop's certificate must chain to IGC-Santé and its subject DN must be listed in the liste blanche
/// for the recipient's domain, or nothing is sent). The host adapts the trust engine to this.
/// </summary>
public interface IPeerCertificateValidator
{
    /// <param name="peer">The certificate the peer presented in the TLS handshake.</param>
    /// <param name="extra">Other certificates the peer sent (intermediates), possibly empty.</param>
    /// <param name="expectedDomain">The recipients' domain (normalised) the connection is for.</param>
    ValueTask<PeerVerdict> ValidateAsync(X509Certificate2 peer, X509Certificate2Collection extra, string expectedDomain, CancellationToken ct);
}
