using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace MssGateway.Fuzzing;

/// <summary>
/// The small PKI the DER and XML targets need: a root CA (EC P-256, fast to sign with) that issues a
/// CPS-shaped leaf naming a CRL distribution point and an OCSP responder, and an RSA trusted-list
/// signer. Made at run time and kept in the work folder of a fuzz run (never committed), so the seeds
/// written by <c>mssgw-fuzz seeds</c> and the fuzzing process agree on names, keys and serials.
/// The "signed" targets wrap the fuzzer's to-be-signed bytes in a structure signed by this root, so
/// mutations reach the code behind the signature check.
/// </summary>
public sealed class FuzzPki
{
    public const string CrlUrl = "http://crl.fuzz.invalid/root.crl";
    public const string OcspUrl = "http://ocsp.fuzz.invalid/";
    public const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    public const string RootSubject = "CN=AC FUZZ RACINE,OU=0002 187512751,O=MSSGW FUZZ,C=FR";
    public const string LeafSubject = "CN=810100000008+SN=DUPONT+GN=MARIE,T=Medecin,O=MSSGW FUZZ,C=FR";
    public const string LeafEmail = "marie.dupont@hopital.mssante.test";

    private static readonly SecureRandom Random = new();

    private FuzzPki(AsymmetricCipherKeyPair rootKey, BcCertificate root, AsymmetricCipherKeyPair leafKey, BcCertificate leaf, RSA listSigner, X509Certificate2 listSignerCertificate)
    {
        RootKey = rootKey;
        RootBc = root;
        LeafKey = leafKey;
        LeafBc = leaf;
        Root = X509CertificateLoader.LoadCertificate(root.GetEncoded());
        Leaf = X509CertificateLoader.LoadCertificate(leaf.GetEncoded());
        ListSignerKey = listSigner;
        ListSigner = listSignerCertificate;
    }

    public AsymmetricCipherKeyPair RootKey { get; }

    public BcCertificate RootBc { get; }

    public X509Certificate2 Root { get; }

    public AsymmetricCipherKeyPair LeafKey { get; }

    public BcCertificate LeafBc { get; }

    public X509Certificate2 Leaf { get; }

    /// <summary>RSA: .NET's SignedXml signs trusted lists with RSA (as ETSI lists are).</summary>
    public RSA ListSignerKey { get; }

    public X509Certificate2 ListSigner { get; }

    /// <summary>The PKI of <paramref name="directory"/>, made there first when it is not yet.</summary>
    public static FuzzPki LoadOrCreate(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var marker = Path.Combine(directory, "root.cer");
        if (!File.Exists(marker))
        {
            Create().Save(directory);
        }

        return Load(directory);
    }

    public static FuzzPki Create()
    {
        var now = DateTime.UtcNow.Date;
        var rootKey = NewEcKey();
        var rootName = new X509Name(RootSubject);
        var rootGen = new X509V3CertificateGenerator();
        rootGen.SetSerialNumber(BigInteger.ValueOf(1));
        rootGen.SetIssuerDN(rootName);
        rootGen.SetSubjectDN(rootName);
        rootGen.SetNotBefore(now.AddDays(-1));
        rootGen.SetNotAfter(now.AddYears(20));
        rootGen.SetPublicKey(rootKey.Public);
        rootGen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        rootGen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        var root = rootGen.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", rootKey.Private));

        var leafKey = NewEcKey();
        var leaf = IssueLeaf(root, rootKey, leafKey, new X509Name(LeafSubject.Replace("+SN=", "+SURNAME=", StringComparison.Ordinal).Replace("+GN=", "+GIVENNAME=", StringComparison.Ordinal)), BigInteger.ValueOf(0x1001), now);

        var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Signataire liste de confiance FUZZ,O=MSSGW FUZZ,C=FR", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var signerWithKey = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(20));
        var signer = X509CertificateLoader.LoadCertificate(signerWithKey.RawData);
        return new FuzzPki(rootKey, root, leafKey, leaf, rsa, signer);
    }

    /// <summary>A leaf of the root with the extensions the revocation code reads (CRL DP, AIA OCSP, SAN email).</summary>
    public static BcCertificate IssueLeaf(BcCertificate issuer, AsymmetricCipherKeyPair issuerKey, AsymmetricCipherKeyPair key, X509Name subject, BigInteger serial, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(issuerKey);
        ArgumentNullException.ThrowIfNull(key);
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(serial);
        gen.SetIssuerDN(issuer.SubjectDN);
        gen.SetSubjectDN(subject);
        gen.SetNotBefore(now.AddDays(-1));
        gen.SetNotAfter(now.AddYears(10));
        gen.SetPublicKey(key.Public);
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        gen.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_clientAuth, KeyPurposeID.id_kp_emailProtection));
        gen.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.Rfc822Name, LeafEmail)));
        gen.AddExtension(X509Extensions.CrlDistributionPoints, false, new CrlDistPoint([
            new DistributionPoint(new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, CrlUrl))), null, null),
        ]));
        gen.AddExtension(X509Extensions.AuthorityInfoAccess, false, new AuthorityInformationAccess(
            new AccessDescription(AccessDescription.IdADOcsp, new GeneralName(GeneralName.UniformResourceIdentifier, OcspUrl))));
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", issuerKey.Private));
    }

    public static AsymmetricCipherKeyPair NewEcKey()
    {
        var gen = new ECKeyPairGenerator();
        gen.Init(new ECKeyGenerationParameters(Org.BouncyCastle.Asn1.Sec.SecObjectIdentifiers.SecP256r1, Random));
        return gen.GenerateKeyPair();
    }

    public void Save(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "leaf.cer"), LeafBc.GetEncoded());
        File.WriteAllBytes(Path.Combine(directory, "leaf.key"), PrivateKeyInfoFactory.CreatePrivateKeyInfo(LeafKey.Private).GetDerEncoded());
        File.WriteAllBytes(Path.Combine(directory, "root.key"), PrivateKeyInfoFactory.CreatePrivateKeyInfo(RootKey.Private).GetDerEncoded());
        File.WriteAllBytes(Path.Combine(directory, "list-signer.cer"), ListSigner.RawData);
        File.WriteAllBytes(Path.Combine(directory, "list-signer.key"), ListSignerKey.ExportPkcs8PrivateKey());
        File.WriteAllText(Path.Combine(directory, "root.pem"), Root.ExportCertificatePem() + "\n");
        File.WriteAllBytes(Path.Combine(directory, "root.cer"), RootBc.GetEncoded()); // last: marks a complete PKI
    }

    public static FuzzPki Load(string directory)
    {
        var root = new X509CertificateParser().ReadCertificate(File.ReadAllBytes(Path.Combine(directory, "root.cer")));
        var leaf = new X509CertificateParser().ReadCertificate(File.ReadAllBytes(Path.Combine(directory, "leaf.cer")));
        var rootPrivate = PrivateKeyFactory.CreateKey(File.ReadAllBytes(Path.Combine(directory, "root.key")));
        var leafPrivate = PrivateKeyFactory.CreateKey(File.ReadAllBytes(Path.Combine(directory, "leaf.key")));
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(File.ReadAllBytes(Path.Combine(directory, "list-signer.key")), out _);
        var signer = X509CertificateLoader.LoadCertificate(File.ReadAllBytes(Path.Combine(directory, "list-signer.cer")));
        return new FuzzPki(
            new AsymmetricCipherKeyPair(root.GetPublicKey(), rootPrivate), root,
            new AsymmetricCipherKeyPair(leaf.GetPublicKey(), leafPrivate), leaf,
            rsa, signer);
    }

    /// <summary>The leaf with its private key, for S/MIME seeds.</summary>
    public X509Certificate2 LeafWithKey()
    {
        using var ec = ECDsa.Create();
        ec.ImportPkcs8PrivateKey(PrivateKeyInfoFactory.CreatePrivateKeyInfo(LeafKey.Private).GetDerEncoded(), out _);
        using var withKey = Leaf.CopyWithPrivateKey(ec);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Signs <paramref name="toBeSigned"/> with the root's key (ECDSA P-256, SHA-256), DER signature value.</summary>
    public byte[] SignWithRoot(byte[] toBeSigned)
    {
        var signer = SignerUtilities.GetSigner("SHA256WITHECDSA");
        signer.Init(true, RootKey.Private);
        signer.BlockUpdate(toBeSigned, 0, toBeSigned.Length);
        return signer.GenerateSignature();
    }

    /// <summary>
    /// SEQUENCE { toBeSigned (as given, unchecked), AlgorithmIdentifier ecdsa-with-SHA256, BIT STRING signature }:
    /// the shape of Certificate, CertificateList and BasicOCSPResponse (without certs).
    /// </summary>
    public byte[] WrapSigned(byte[] toBeSigned, byte[]? trailer = null)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(EcdsaWithSha256);
        }

        var algorithm = writer.Encode();
        writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteBitString(SignWithRoot(toBeSigned));
        var signature = writer.Encode();
        return Tlv(0x30, [.. toBeSigned, .. algorithm, .. signature, .. trailer ?? []]);
    }

    /// <summary>One DER tag-length-value with a definite length (content taken as is).</summary>
    public static byte[] Tlv(byte tag, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var length = content.Length;
        byte[] lengthBytes = length switch
        {
            < 0x80 => [(byte)length],
            < 0x100 => [0x81, (byte)length],
            < 0x10000 => [0x82, (byte)(length >> 8), (byte)length],
            < 0x1000000 => [0x83, (byte)(length >> 16), (byte)(length >> 8), (byte)length],
            _ => [0x84, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length],
        };
        return [tag, .. lengthBytes, .. content];
    }

    /// <summary>OCSPResponse { successful, responseBytes { id-pkix-ocsp-basic, OCTET STRING basic } } (RFC 6960 §4.2.1).</summary>
    public static byte[] WrapOcspResponse(byte[] basicResponse)
    {
        var status = new byte[] { 0x0A, 0x01, 0x00 };
        var type = new DerObjectIdentifier("1.3.6.1.5.5.7.48.1.1").GetDerEncoded();
        var bytes = Tlv(0x30, [.. type, .. Tlv(0x04, basicResponse)]);
        return Tlv(0x30, [.. status, .. Tlv(0xA0, bytes)]);
    }
}
