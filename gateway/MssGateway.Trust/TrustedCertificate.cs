using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace MssGateway.Trust;

/// <summary>
/// A certificate as the path builder needs it: the .NET object, its BouncyCastle form (for signature
/// checks of certificates and CRLs), normalised subject and issuer keys, SHA-256 thumbprint.
/// </summary>
internal sealed class TrustedCertificate
{
    private AsymmetricKeyParameter? _publicKey;

    public TrustedCertificate(X509Certificate2 certificate)
    {
        Certificate = certificate;
        Bc = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(certificate.RawData)
            ?? throw new InvalidDataException("not a certificate");
        SubjectName = DistinguishedName.FromX500(certificate.SubjectName);
        IssuerName = DistinguishedName.FromX500(certificate.IssuerName);
        Thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        IsSelfIssued = SubjectName.CanonicalKey == IssuerName.CanonicalKey;
    }

    public X509Certificate2 Certificate { get; }

    public BcCertificate Bc { get; }

    public DistinguishedName SubjectName { get; }

    public DistinguishedName IssuerName { get; }

    public string SubjectKey => SubjectName.CanonicalKey;

    public string IssuerKey => IssuerName.CanonicalKey;

    public string Thumbprint { get; }

    public bool IsSelfIssued { get; }

    /// <summary>The CN of the subject, for bounded metric labels of CAs.</summary>
    public string CommonName => SubjectName.Get("2.5.4.3") ?? SubjectName.ToString();

    public AsymmetricKeyParameter? PublicKey
    {
        get
        {
            if (_publicKey is null)
            {
                try
                {
                    _publicKey = Bc.GetPublicKey();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Org.BouncyCastle.Security.SecurityUtilityException or IOException)
                {
                    return null;
                }
            }

            return _publicKey;
        }
    }

    /// <summary>True when <paramref name="child"/>'s signature verifies with this certificate's key.</summary>
    public bool Signed(TrustedCertificate child)
    {
        var key = PublicKey;
        if (key is null)
        {
            return false;
        }

        try
        {
            return child.Bc.IsSignatureValid(key);
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException
            or Org.BouncyCastle.Security.Certificates.CertificateException or InvalidCastException or ArgumentException
            or Org.BouncyCastle.Security.SecurityUtilityException or Org.BouncyCastle.Crypto.CryptoException)
        {
            return false;
        }
    }
}
