using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Trust;

/// <summary>
/// The one trust engine of DESIGN.md §2 "Trust": TLS client certificates, next-hop server certificates
/// and S/MIME signers are all checked here. Implementations never throw for a bad certificate: a
/// refusal is a <see cref="CertificateVerdict"/>. No network round trip happens per call once the
/// CRLs a path needs are cached.
/// </summary>
public interface ICertificateTrustEngine
{
    /// <summary>
    /// Validates <paramref name="leaf"/> for <paramref name="usage"/> at <paramref name="at"/> (now when null),
    /// with the intermediates the peer sent in <paramref name="extra"/>. Any listener policy allow-list is not applied.
    /// </summary>
    ValueTask<CertificateVerdict> ValidateAsync(X509Certificate2? leaf, X509Certificate2Collection? extra, CertificateUsage usage, DateTimeOffset? at, CancellationToken cancellationToken);

    /// <summary>As above, also applying the certificate-policy allow-list of <paramref name="listenerName"/> (<see cref="TrustOptions.PolicyOids"/>).</summary>
    ValueTask<CertificateVerdict> ValidateAsync(X509Certificate2? leaf, X509Certificate2Collection? extra, CertificateUsage usage, DateTimeOffset? at, string? listenerName, CancellationToken cancellationToken);

    /// <summary>Freshness of anchors, trusted list and CRLs, for /readyz.</summary>
    TrustStatus GetStatus();
}
