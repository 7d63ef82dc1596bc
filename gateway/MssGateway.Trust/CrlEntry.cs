using System.Collections.Concurrent;
using Org.BouncyCastle.X509;

namespace MssGateway.Trust;

/// <summary>One parsed CRL (RFC 5280 §5) with the memo of the CA keys it was verified against.</summary>
internal sealed class CrlEntry
{
    private readonly ConcurrentDictionary<string, bool> _verifiedBy = new(StringComparer.Ordinal);

    public CrlEntry(byte[] der, X509Crl crl, string location)
    {
        Der = der;
        Crl = crl;
        Location = location;
        Issuer = DistinguishedName.FromDer(crl.CertificateList.TbsCertList.Issuer.GetEncoded());
        ThisUpdate = new DateTimeOffset(DateTime.SpecifyKind(crl.ThisUpdate, DateTimeKind.Utc));
        NextUpdate = crl.NextUpdate is { } n ? new DateTimeOffset(DateTime.SpecifyKind(n, DateTimeKind.Utc)) : null;
        Digest = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(der));
    }

    public byte[] Der { get; }

    public X509Crl Crl { get; }

    public string Location { get; }

    public DistinguishedName Issuer { get; }

    public string IssuerCa => Issuer.Get("2.5.4.3") ?? Issuer.ToString();

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    public string Digest { get; }

    /// <summary>True when the CRL's signature verifies with the CA's key (memoised per CA).</summary>
    public bool IsSignedBy(TrustedCertificate ca) =>
        Issuer.CanonicalKey == ca.SubjectKey && _verifiedBy.GetOrAdd(ca.Thumbprint, _ => Verify(ca));

    private bool Verify(TrustedCertificate ca)
    {
        if (TrustedCertificate.IsWeakAlgorithm(Crl.SigAlgOid))
        {
            return false;
        }

        byte[] signature;
        try
        {
            signature = Crl.GetSignature();
        }
        catch (IOException)
        {
            // A signature BIT STRING with unused bits is no signature (BouncyCastle throws; fuzzing finding).
            return false;
        }

        if (ca.VerifyWithPlatform(Crl.SigAlgOid, Crl.GetTbsCertList(), signature) is { } fast)
        {
            return fast;
        }

        var key = ca.PublicKey;
        if (key is null)
        {
            return false;
        }

        try
        {
            return Crl.IsSignatureValid(key);
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException
            or Org.BouncyCastle.Security.Certificates.CrlException or InvalidCastException or ArgumentException
            or Org.BouncyCastle.Security.SecurityUtilityException or Org.BouncyCastle.Crypto.CryptoException)
        {
            return false;
        }
    }
}
