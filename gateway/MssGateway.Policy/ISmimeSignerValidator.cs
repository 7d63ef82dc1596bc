using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Policy;

/// <summary>
/// Validates an S/MIME signer certificate through the trust engine (DESIGN.md §2 "Trust": one engine
/// serves TLS client certificates and S/MIME signers): anchors, path, validity at signing time,
/// revocation. The policy verifies the signature itself; this decides whether the signer is trusted.
/// </summary>
public interface ISmimeSignerValidator
{
    /// <param name="signer">The certificate whose key verified the signature.</param>
    /// <param name="extraCertificates">Certificates carried in the CMS SignedData (intermediates), possibly empty.</param>
    /// <param name="signingTime">The signed signingTime attribute, or the time of evaluation when absent.</param>
    /// <param name="ct">Cancellation.</param>
    ValueTask<SignerValidation> ValidateAsync(X509Certificate2 signer, X509Certificate2Collection extraCertificates, DateTimeOffset signingTime, CancellationToken ct);
}
