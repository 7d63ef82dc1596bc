using System.Security.Cryptography.X509Certificates;
using MssGateway.Policy;
using MssGateway.Trust;

namespace MssGateway.Host;

/// <summary>
/// S/MIME signers go through the same trust engine as TLS client certificates (DESIGN.md §2: one
/// trust engine serves both): anchors, path, validity at signing time, revocation, emailProtection.
/// </summary>
public sealed class TrustSmimeSignerValidator : ISmimeSignerValidator
{
    private readonly ICertificateTrustEngine _engine;

    public TrustSmimeSignerValidator(ICertificateTrustEngine engine)
    {
        _engine = engine;
    }

    public async ValueTask<SignerValidation> ValidateAsync(X509Certificate2 signer, X509Certificate2Collection extraCertificates, DateTimeOffset signingTime, CancellationToken cancellationToken)
    {
        var verdict = await _engine.ValidateAsync(signer, extraCertificates, CertificateUsage.EmailProtection, signingTime, cancellationToken);
        if (verdict.IsTrusted)
        {
            return SignerValidation.Trusted(verdict.Identity?.NationalIdentifier, verdict.Identity?.Emails);
        }

        var status = verdict.Reason switch
        {
            "client_cert_revoked" => SignerTrustStatus.Revoked,
            "client_cert_expired" => SignerTrustStatus.Expired,
            _ => SignerTrustStatus.Untrusted,
        };
        return new SignerValidation { Status = status, NationalIdentifier = verdict.Identity?.NationalIdentifier, EmailAddresses = verdict.Identity?.Emails ?? [], Detail = verdict.Reason };
    }
}
