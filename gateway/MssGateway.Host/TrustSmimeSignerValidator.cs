using System.Security.Cryptography.X509Certificates;
using MssGateway.Policy;
using MssGateway.Trust;

namespace MssGateway.Host;

/// <summary>
/// S/MIME signers go through the same trust engine as TLS client certificates (DESIGN.md §2: one
/// trust engine serves both): anchors, path, validity, revocation, emailProtection. The signer is
/// judged <b>now</b> (issue 12 rule 4): revoked now is revoked, whatever signingTime claims. Only a
/// certificate expired now, whose signing time the policy found usable (a small window before
/// reception) and inside its validity, is judged again at the last moment it was valid — so the
/// signing time moves the expiry, never the revocation check past the certificate's lifetime.
/// </summary>
public sealed class TrustSmimeSignerValidator : ISmimeSignerValidator
{
    private readonly ICertificateTrustEngine _engine;
    private readonly TimeProvider _time;

    public TrustSmimeSignerValidator(ICertificateTrustEngine engine, TimeProvider time)
    {
        _engine = engine;
        _time = time;
    }

    public async ValueTask<SignerValidation> ValidateAsync(X509Certificate2 signer, X509Certificate2Collection extraCertificates, DateTimeOffset? signingTime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var verdict = await _engine.ValidateAsync(signer, extraCertificates, CertificateUsage.EmailProtection, null, cancellationToken);
        if (verdict.Refusal == CertificateRefusal.Expired && signingTime is { } signed)
        {
            var notBefore = new DateTimeOffset(signer.NotBefore.ToUniversalTime());
            var notAfter = new DateTimeOffset(signer.NotAfter.ToUniversalTime());
            if (signed >= notBefore && signed <= notAfter)
            {
                var now = _time.GetUtcNow();
                verdict = await _engine.ValidateAsync(signer, extraCertificates, CertificateUsage.EmailProtection, notAfter < now ? notAfter : now, cancellationToken);
            }
        }

        if (verdict.IsTrusted)
        {
            return SignerValidation.Trusted(verdict.Identity?.NationalIdentifier, verdict.Identity?.Emails);
        }

        var status = verdict.Refusal switch
        {
            CertificateRefusal.Revoked => SignerTrustStatus.Revoked,
            CertificateRefusal.Expired => SignerTrustStatus.Expired,
            _ => SignerTrustStatus.Untrusted,
        };
        return new SignerValidation { Status = status, NationalIdentifier = verdict.Identity?.NationalIdentifier, EmailAddresses = verdict.Identity?.Emails ?? [], Detail = verdict.Reason };
    }
}
