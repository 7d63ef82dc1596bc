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
    private readonly Lazy<RSA?> _rsa;
    private readonly Lazy<ECDsa?> _ecdsa;
    private readonly Lazy<IReadOnlyList<CrlDistributionPoint>> _distributionPoints;
    private readonly Lazy<CertificatePolicyTree.PolicyExtensionValues> _policyExtensions;
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

        // .NET decodes BasicConstraints, KeyUsage and EKU on first use: a malformed one threw
        // CryptographicException in the middle of path validation (fuzzing finding). Decoded here, a
        // certificate carrying one is unreadable where every caller expects it to be.
        _ = CertificateExtensions.BasicConstraints(certificate)?.CertificateAuthority;
        _ = CertificateExtensions.KeyUsage(certificate)?.KeyUsages;
        _ = CertificateExtensions.ExtendedKeyUsages(certificate);
        _rsa = new Lazy<RSA?>(() => Quiet(certificate.GetRSAPublicKey));
        _ecdsa = new Lazy<ECDsa?>(() => Quiet(certificate.GetECDsaPublicKey));
        IsCa = CertificateExtensions.BasicConstraints(certificate) is { CertificateAuthority: true };
        MaySignCrls = CertificateExtensions.KeyUsage(certificate) is not { } ku || (ku.KeyUsages & X509KeyUsageFlags.CrlSign) != 0;
        _policyExtensions = new Lazy<CertificatePolicyTree.PolicyExtensionValues>(() => CertificatePolicyTree.ReadExtensions(this));
        _distributionPoints = new Lazy<IReadOnlyList<CrlDistributionPoint>>(() =>
        {
            try
            {
                return CrlDistributionPoint.Read(certificate);
            }
            catch (System.Formats.Asn1.AsnContentException)
            {
                // An unreadable extension names no point: only CRLs of the whole CA can cover the certificate.
                return [];
            }
        });
    }

    /// <summary>MD5 and SHA-1 signatures (collisions are practical) are never accepted below an anchor.</summary>
    internal static bool IsWeakAlgorithm(string oid) => oid is "1.2.840.113549.1.1.4" or "1.2.840.113549.1.1.5" or "1.2.840.10045.4.1" or "1.3.14.3.2.29";

    /// <summary>Verifies a signature made with this certificate's key; null when the algorithm is not one the platform path handles.</summary>
    internal bool? VerifyWithPlatform(string algorithmOid, byte[] signed, byte[] signature)
    {
        var (hash, isRsa) = algorithmOid switch
        {
            "1.2.840.113549.1.1.11" => (HashAlgorithmName.SHA256, true),
            "1.2.840.113549.1.1.12" => (HashAlgorithmName.SHA384, true),
            "1.2.840.113549.1.1.13" => (HashAlgorithmName.SHA512, true),
            "1.2.840.10045.4.3.2" => (HashAlgorithmName.SHA256, false),
            "1.2.840.10045.4.3.3" => (HashAlgorithmName.SHA384, false),
            "1.2.840.10045.4.3.4" => (HashAlgorithmName.SHA512, false),
            _ => (default, false),
        };
        if (hash == default)
        {
            return null;
        }

        try
        {
            if (isRsa)
            {
                return _rsa.Value?.VerifyData(signed, signature, hash, RSASignaturePadding.Pkcs1) ?? false;
            }

            return _ecdsa.Value?.VerifyData(signed, signature, hash, DSASignatureFormat.Rfc3279DerSequence) ?? false;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static T? Quiet<T>(Func<T?> get)
        where T : class
    {
        try
        {
            return get();
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public X509Certificate2 Certificate { get; }

    public BcCertificate Bc { get; }

    public DistinguishedName SubjectName { get; }

    public DistinguishedName IssuerName { get; }

    public string SubjectKey => SubjectName.CanonicalKey;

    public string IssuerKey => IssuerName.CanonicalKey;

    public string Thumbprint { get; }

    public bool IsSelfIssued { get; }

    /// <summary>basicConstraints cA is asserted (what onlyContainsUserCerts / onlyContainsCACerts scopes test).</summary>
    public bool IsCa { get; }

    /// <summary>The certificate's CRL distribution points (RFC 5280 §4.2.1.13), parsed once.</summary>
    public IReadOnlyList<CrlDistributionPoint> DistributionPoints => _distributionPoints.Value;

    /// <summary>The policy extensions, parsed once (CAs of the anchor set are checked on every handshake).</summary>
    /// <exception cref="System.Formats.Asn1.AsnContentException">An extension is malformed (the same each time).</exception>
    internal CertificatePolicyTree.PolicyExtensionValues PolicyExtensions => _policyExtensions.Value;

    /// <summary>False when a key usage extension is present without cRLSign (RFC 5280 §6.3.3 (f)).</summary>
    public bool MaySignCrls { get; }

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
        // RFC 5280 §4.1.1.2: the outer signatureAlgorithm must be the one inside the signed TBS.
        var structure = child.Bc.CertificateStructure;
        if (IsWeakAlgorithm(child.Bc.SigAlgOid) || !structure.SignatureAlgorithm.Equals(structure.TbsCertificate.Signature))
        {
            return false;
        }

        // The platform's RSA/ECDSA (OpenSSL) is two orders of magnitude faster than BouncyCastle's
        // managed RSA; BouncyCastle remains for algorithms not mapped here (RSASSA-PSS…).
        byte[] signature;
        try
        {
            signature = child.Bc.GetSignature();
        }
        catch (IOException)
        {
            // A signature BIT STRING with unused bits is no signature (BouncyCastle throws; fuzzing finding).
            return false;
        }

        if (VerifyWithPlatform(child.Bc.SigAlgOid, child.Bc.GetTbsCertificate(), signature) is { } fast)
        {
            return fast;
        }

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
