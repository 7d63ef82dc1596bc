using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace MssGateway.Policy.Tests;

/// <summary>
/// A small but real signer validator for tests (the trust engine is built elsewhere): .NET X509Chain
/// with a custom root and the chain's validity checked at signing time, revocation from an
/// openssl-made CRL parsed and signature-checked with BouncyCastle, identity from the CPS subject CN.
/// </summary>
public sealed class CrlSignerValidator : ISmimeSignerValidator
{
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _intermediate;
    private readonly X509Crl _crl;

    public CrlSignerValidator(SmimePki pki)
    {
        _root = pki.Root;
        _intermediate = pki.Intermediate;
        _crl = new X509CrlParser().ReadCrl(File.ReadAllBytes(pki.CrlPath));
        var issuer = new X509CertificateParser().ReadCertificate(_intermediate.RawData);
        _crl.Verify(issuer.GetPublicKey());
    }

    public ValueTask<SignerValidation> ValidateAsync(X509Certificate2 signer, X509Certificate2Collection extraCertificates, DateTimeOffset signingTime, CancellationToken ct)
    {
        var bc = new X509CertificateParser().ReadCertificate(signer.RawData);
        var nationalId = bc.SubjectDN.GetValueList(X509Name.CN).FirstOrDefault();
        var emails = bc.GetSubjectAlternativeNames()?.Where(n => n[0] is int t && t == GeneralName.Rfc822Name).Select(n => (string)n[1]).ToList() ?? [];

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_root);
        chain.ChainPolicy.ExtraStore.Add(_intermediate);
        chain.ChainPolicy.ExtraStore.AddRange(extraCertificates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = signingTime.UtcDateTime;
        if (!chain.Build(signer))
        {
            var statuses = chain.ChainStatus.Select(s => s.Status).ToList();
            var status = statuses.Contains(X509ChainStatusFlags.NotTimeValid) ? SignerTrustStatus.Expired : SignerTrustStatus.Untrusted;
            return ValueTask.FromResult(new SignerValidation { Status = status, NationalIdentifier = nationalId, EmailAddresses = emails, Detail = string.Join(',', statuses) });
        }

        if (_crl.IsRevoked(bc))
        {
            return ValueTask.FromResult(new SignerValidation { Status = SignerTrustStatus.Revoked, NationalIdentifier = nationalId, EmailAddresses = emails, Detail = "crl" });
        }

        return ValueTask.FromResult(SignerValidation.Trusted(nationalId, emails));
    }
}
