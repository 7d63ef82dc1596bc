using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace MssGateway.Policy.Tests;

/// <summary>
/// A small but real signer validator for tests (the trust engine is built elsewhere), with the
/// contract of <see cref="ISmimeSignerValidator"/>: .NET X509Chain with a custom root checked now, or —
/// expired now, with a usable signing time inside the validity — at the last moment the certificate
/// was valid; revocation now from an openssl-made CRL parsed and signature-checked with BouncyCastle;
/// identity from the CPS subject CN.
/// </summary>
public sealed class CrlSignerValidator : ISmimeSignerValidator
{
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _intermediate;
    private readonly X509Crl _crl;

    private readonly TimeProvider _time;

    public CrlSignerValidator(SmimePki pki, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _root = pki.Root;
        _intermediate = pki.Intermediate;
        _crl = new X509CrlParser().ReadCrl(File.ReadAllBytes(pki.CrlPath));
        var issuer = new X509CertificateParser().ReadCertificate(_intermediate.RawData);
        _crl.Verify(issuer.GetPublicKey());
    }

    /// <summary>The times the chain was checked at, in order (tests assert what the policy let the validator use).</summary>
    public List<DateTimeOffset?> SigningTimesSeen { get; } = [];

    /// <summary>The detail of the last refusal (chain status flags and the times checked), for assertion messages.</summary>
    public string? LastDetail { get; private set; }

    public ValueTask<SignerValidation> ValidateAsync(X509Certificate2 signer, X509Certificate2Collection extraCertificates, DateTimeOffset? signingTime, CancellationToken ct)
    {
        lock (SigningTimesSeen)
        {
            SigningTimesSeen.Add(signingTime);
        }

        var now = _time.GetUtcNow();
        var at = now;
        if (signingTime is { } signed && signed >= signer.NotBefore.ToUniversalTime() && signed <= signer.NotAfter.ToUniversalTime() && signer.NotAfter.ToUniversalTime() < now)
        {
            at = new DateTimeOffset(signer.NotAfter.ToUniversalTime());
        }

        var bc = new X509CertificateParser().ReadCertificate(signer.RawData);
        var nationalId = bc.SubjectDN.GetValueList(X509Name.CN).FirstOrDefault();
        var emails = bc.GetSubjectAlternativeNames()?.Where(n => n[0] is int t && t == GeneralName.Rfc822Name).Select(n => (string)n[1]).ToList() ?? [];

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_root);
        chain.ChainPolicy.ExtraStore.Add(_intermediate);
        chain.ChainPolicy.ExtraStore.AddRange(extraCertificates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Validity is checked below, at the chosen time, for every certificate of the path (inclusive bounds,
        // as the trust engine does): X509Chain on Linux also judges the leaf against the current time.
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        var built = chain.Build(signer);
        var outOfTime = chain.ChainElements.Any(e => at.UtcDateTime < e.Certificate.NotBefore.ToUniversalTime() || at.UtcDateTime > e.Certificate.NotAfter.ToUniversalTime());
        if (!built || outOfTime)
        {
            var statuses = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NotTimeValid).ToList();
            if (outOfTime)
            {
                statuses.Add(X509ChainStatusFlags.NotTimeValid);
            }

            var status = outOfTime ? SignerTrustStatus.Expired : SignerTrustStatus.Untrusted;
            LastDetail = $"{string.Join(',', statuses)} at {at:O}, signing time {signingTime:O}, path: " +
                string.Join("; ", chain.ChainElements.Select(e => $"{e.Certificate.Subject} {e.Certificate.NotBefore.ToUniversalTime():O}..{e.Certificate.NotAfter.ToUniversalTime():O}"));
            return ValueTask.FromResult(new SignerValidation { Status = status, NationalIdentifier = nationalId, EmailAddresses = emails, Detail = string.Join(',', statuses) });
        }

        if (_crl.IsRevoked(bc))
        {
            return ValueTask.FromResult(new SignerValidation { Status = SignerTrustStatus.Revoked, NationalIdentifier = nationalId, EmailAddresses = emails, Detail = "crl" });
        }

        return ValueTask.FromResult(SignerValidation.Trusted(nationalId, emails));
    }
}
