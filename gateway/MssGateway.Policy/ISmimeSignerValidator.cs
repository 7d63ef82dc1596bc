using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Policy;

/// <summary>
/// Validates an S/MIME signer certificate through the trust engine (DESIGN.md §2 "Trust": one engine
/// serves TLS client certificates and S/MIME signers): anchors, path, validity, revocation. The policy
/// verifies the signature itself; this decides whether the signer is trusted <b>now</b> (issue 12
/// rule 4): a signer revoked now is revoked whatever the signing time says.
/// </summary>
public interface ISmimeSignerValidator
{
    /// <param name="signer">The certificate whose key verified the signature.</param>
    /// <param name="extraCertificates">Certificates carried in the CMS SignedData (intermediates), possibly empty.</param>
    /// <param name="signingTime">
    /// The signed signingTime attribute when it lies inside the policy's window (received − SigningTimeWindow,
    /// now + SigningTimeSkew), else null. It may be used for one thing only: a certificate outside its validity
    /// period now but valid at that time is not expired. Revocation is always judged at evaluation time.
    /// </param>
    /// <param name="ct">Cancellation.</param>
    ValueTask<SignerValidation> ValidateAsync(X509Certificate2 signer, X509Certificate2Collection extraCertificates, DateTimeOffset? signingTime, CancellationToken ct);
}
