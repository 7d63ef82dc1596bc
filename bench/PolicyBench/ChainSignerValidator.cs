using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Policy.Bench;

/// <summary>Chain to the bench root now (no revocation): the cost a cached trust engine has.</summary>
internal sealed class ChainSignerValidator(X509Certificate2 root) : ISmimeSignerValidator
{
    public ValueTask<SignerValidation> ValidateAsync(X509Certificate2 signer, X509Certificate2Collection extraCertificates, DateTimeOffset? signingTime, CancellationToken ct)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(extraCertificates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = DateTime.UtcNow;
        var status = chain.Build(signer) ? SignerTrustStatus.Trusted : SignerTrustStatus.Untrusted;
        return ValueTask.FromResult(new SignerValidation { Status = status, NationalIdentifier = signer.GetNameInfo(X509NameType.SimpleName, false) });
    }
}
