using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace MssGateway.Fuzzing;

/// <summary>
/// Seeds for the DER targets, made with the run's PKI: names with every string type the reader
/// knows, CRLs with the extensions RFC 5280 §5 defines (reasons, IDP scopes, delta indicator, a
/// critical unknown one), OCSP answers of each status (and a delegated responder), and certificates
/// of each holder kind of domain.md (CPS, CPE, server, organisation) and with path constraints.
/// </summary>
public static class DerSeeds
{
    /// <summary>An OCSP response: its whole encoding and its ResponseData (for the signed target).</summary>
    public sealed record OcspSeed(byte[] Encoded, byte[] ResponseData);

    public static IEnumerable<KeyValuePair<string, byte[]>> Names()
    {
        static byte[] Name(params Asn1Encodable[] rdns) => new DerSequence(rdns).GetDerEncoded();
        static DerSet Rdn(params (string Oid, Asn1Encodable Value)[] avas) =>
            new(avas.Select(a => (Asn1Encodable)new DerSequence(new DerObjectIdentifier(a.Oid), a.Value)).ToArray());

        yield return new("empty.der", Name());
        yield return new("string-types.der", Name(
            Rdn(("2.5.4.6", new DerPrintableString("FR"))),
            Rdn(("2.5.4.10", new DerUtf8String("Hôpital é"))),
            Rdn(("2.5.4.11", new DerBmpString("Unité"))),
            Rdn(("2.5.4.7", new DerT61String("Orl\u00e9ans"))),
            Rdn(("2.5.4.5", new DerNumericString("12345"))),
            Rdn(("1.2.840.113549.1.9.1", new DerIA5String("a@b.fr"))),
            Rdn(("2.5.4.9", new DerUniversalString(new byte[] { 0, 0, 0, 0x41 }))),
            Rdn(("2.5.4.3", new DerVisibleString("host.example")))));
        yield return new("multi-valued.der", Name(
            Rdn(("2.5.4.6", new DerPrintableString("FR"))),
            Rdn(("2.5.4.3", new DerUtf8String("810100000008")), ("2.5.4.4", new DerUtf8String("DUPONT")), ("2.5.4.42", new DerUtf8String("MARIE")))));
        yield return new("unknown-type.der", Name(
            Rdn(("1.2.3.4.5", new DerOctetString(new byte[] { 1, 2, 3 }))),
            Rdn(("2.5.4.3", new DerUtf8String(" a,b+c=\"d\"\\ ")))));
    }

    public static IEnumerable<KeyValuePair<string, X509Crl>> Crls(FuzzPki pki)
    {
        ArgumentNullException.ThrowIfNull(pki);
        var now = DateTime.UtcNow;
        var leafSerial = pki.LeafBc.SerialNumber;

        yield return new("empty.crl", Crl(pki, now, g => { }));
        yield return new("leaf-revoked.crl", Crl(pki, now, g =>
        {
            g.AddCrlEntry(leafSerial, now.AddDays(-1), CrlReason.KeyCompromise);
            g.AddCrlEntry(BigInteger.ValueOf(77), now.AddDays(-2), CrlReason.Superseded);
        }));
        yield return new("entry-extensions.crl", Crl(pki, now, g =>
        {
            var ext = new X509ExtensionsGenerator();
            ext.AddExtension(X509Extensions.ReasonCode, false, new CrlReason(CrlReason.CertificateHold));
            ext.AddExtension(X509Extensions.InvalidityDate, false, new DerGeneralizedTime(now.AddDays(-3)));
            ext.AddExtension(X509Extensions.CertificateIssuer, true, new GeneralNames(new GeneralName(new X509Name(FuzzPki.RootSubject))));
            g.AddCrlEntry(leafSerial, now.AddDays(-1), ext.Generate());
        }));
        yield return new("idp-user-certs.crl", Crl(pki, now, g =>
        {
            var dp = new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, FuzzPki.CrlUrl)));
            g.AddExtension(X509Extensions.IssuingDistributionPoint, true, new IssuingDistributionPoint(dp, true, false, new ReasonFlags(ReasonFlags.KeyCompromise), false, false));
        }));
        yield return new("delta.crl", Crl(pki, now, g =>
        {
            g.AddExtension(X509Extensions.DeltaCrlIndicator, true, new CrlNumber(BigInteger.ValueOf(1)));
            g.AddCrlEntry(leafSerial, now.AddDays(-1), CrlReason.KeyCompromise);
        }));
        yield return new("critical-unknown.crl", Crl(pki, now, g => g.AddExtension("1.3.6.1.4.1.99999.1", true, DerNull.Instance)));
        yield return new("no-next-update.crl", Crl(pki, now, g => { }, nextUpdate: false));
    }

    public static IEnumerable<KeyValuePair<string, OcspSeed>> OcspResponses(FuzzPki pki)
    {
        ArgumentNullException.ThrowIfNull(pki);
        var now = DateTime.UtcNow;
        var id = new CertificateID(CertificateID.DigestSha1, pki.RootBc, pki.LeafBc.SerialNumber);
        yield return new("good.ocsp", Ocsp(pki, g => g.AddResponse(id, CertificateStatus.Good, now.AddMinutes(-5), now.AddDays(1), null)));
        yield return new("revoked.ocsp", Ocsp(pki, g => g.AddResponse(id, new RevokedStatus(now.AddDays(-1), CrlReason.KeyCompromise), now.AddMinutes(-5), now.AddDays(1), null)));
        yield return new("unknown.ocsp", Ocsp(pki, g => g.AddResponse(id, new UnknownStatus())));
        yield return new("nonce-no-next-update.ocsp", Ocsp(pki, g =>
        {
            var ext = new X509ExtensionsGenerator();
            ext.AddExtension(Org.BouncyCastle.Asn1.Ocsp.OcspObjectIdentifiers.PkixOcspNonce, false, new DerOctetString(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
            g.SetResponseExtensions(ext.Generate());
            g.AddResponse(id, CertificateStatus.Good);
        }));

        // A delegated responder: issued by the root with id-kp-OCSPSigning and ocsp-nocheck, signing the answer.
        var responderKey = FuzzPki.NewEcKey();
        var rg = new X509V3CertificateGenerator();
        rg.SetSerialNumber(BigInteger.ValueOf(0x2001));
        rg.SetIssuerDN(pki.RootBc.SubjectDN);
        rg.SetSubjectDN(new X509Name("CN=OCSP FUZZ,O=MSSGW FUZZ,C=FR"));
        rg.SetNotBefore(now.AddDays(-1));
        rg.SetNotAfter(now.AddYears(5));
        rg.SetPublicKey(responderKey.Public);
        rg.AddExtension(X509Extensions.ExtendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeID.id_kp_OCSPSigning));
        rg.AddExtension(Org.BouncyCastle.Asn1.Ocsp.OcspObjectIdentifiers.PkixOcspNocheck, false, DerNull.Instance);
        var responder = rg.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", pki.RootKey.Private));
        var delegated = new BasicOcspRespGenerator(new RespID(responder.SubjectDN));
        delegated.AddResponse(id, CertificateStatus.Good, now.AddMinutes(-5), now.AddDays(1), null);
        var basic = delegated.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", responderKey.Private), [responder], now);
        yield return new("delegated.ocsp", new OcspSeed(new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded(), basic.GetTbsResponseData()));
        yield return new("try-later.ocsp", new OcspSeed(new OcspResp(new Org.BouncyCastle.Asn1.Ocsp.OcspResponse(new Org.BouncyCastle.Asn1.Ocsp.OcspResponseStatus(3), null)).GetEncoded(), []));
    }

    public static IEnumerable<KeyValuePair<string, BcCertificate>> Certificates(FuzzPki pki)
    {
        ArgumentNullException.ThrowIfNull(pki);
        var now = DateTime.UtcNow.Date;
        var key = FuzzPki.NewEcKey();
        yield return new("cps-leaf.cer", pki.LeafBc);
        yield return new("root.cer", pki.RootBc);
        yield return new("cpe.cer", FuzzPki.IssueLeaf(pki.RootBc, pki.RootKey, key, new X509Name("CN=3750000001/12345,OU=3750000001,O=CH FUZZ,C=FR"), BigInteger.ValueOf(11), now));
        yield return new("organisation.cer", FuzzPki.IssueLeaf(pki.RootBc, pki.RootKey, key, new X509Name("CN=CH FUZZ,OU=3750000001,O=CH FUZZ,C=FR"), BigInteger.ValueOf(12), now));

        var server = new X509V3CertificateGenerator();
        server.SetSerialNumber(BigInteger.ValueOf(13));
        server.SetIssuerDN(pki.RootBc.SubjectDN);
        server.SetSubjectDN(new X509Name("CN=mx.hopital.mssante.test,OU=3750000001,O=CH FUZZ,C=FR"));
        server.SetNotBefore(now.AddDays(-1));
        server.SetNotAfter(now.AddYears(3));
        server.SetPublicKey(key.Public);
        server.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth));
        server.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames([
            new GeneralName(GeneralName.DnsName, "mx.hopital.mssante.test"), new GeneralName(GeneralName.IPAddress, "127.0.0.1"),
        ]));
        server.AddExtension(X509Extensions.CertificatePolicies, false, new DerSequence(new PolicyInformation(new DerObjectIdentifier("1.2.250.1.213.1.1.5.1"))));
        yield return new("server.cer", server.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", pki.RootKey.Private)));

        var ca = new X509V3CertificateGenerator();
        ca.SetSerialNumber(BigInteger.ValueOf(14));
        ca.SetIssuerDN(pki.RootBc.SubjectDN);
        ca.SetSubjectDN(new X509Name("CN=AC FUZZ CONTRAINTE,O=MSSGW FUZZ,C=FR"));
        ca.SetNotBefore(now.AddDays(-1));
        ca.SetNotAfter(now.AddYears(3));
        ca.SetPublicKey(key.Public);
        ca.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(0));
        ca.AddExtension(X509Extensions.NameConstraints, true, new DerSequence(
            new DerTaggedObject(false, 0, new DerSequence(new GeneralSubtree(new GeneralName(GeneralName.DnsName, "mssante.test")))),
            new DerTaggedObject(false, 1, new DerSequence(new GeneralSubtree(new GeneralName(new X509Name("O=INTERDIT,C=FR")))))));
        ca.AddExtension(X509Extensions.PolicyConstraints, true, new DerSequence(new DerTaggedObject(false, 0, DerInteger.ValueOf(0)), new DerTaggedObject(false, 1, DerInteger.ValueOf(1))));
        ca.AddExtension(X509Extensions.InhibitAnyPolicy, true, DerInteger.ValueOf(0));
        yield return new("constrained-ca.cer", ca.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", pki.RootKey.Private)));
    }

    private static X509Crl Crl(FuzzPki pki, DateTime now, Action<X509V2CrlGenerator> configure, bool nextUpdate = true)
    {
        var g = new X509V2CrlGenerator();
        g.SetIssuerDN(pki.RootBc.SubjectDN);
        g.SetThisUpdate(now.AddHours(-1));
        if (nextUpdate)
        {
            g.SetNextUpdate(now.AddDays(7));
        }

        g.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.ValueOf(42)));
        configure(g);
        return g.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", pki.RootKey.Private));
    }

    private static OcspSeed Ocsp(FuzzPki pki, Action<BasicOcspRespGenerator> configure)
    {
        var g = new BasicOcspRespGenerator(new RespID(pki.RootBc.SubjectDN));
        configure(g);
        var basic = g.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", pki.RootKey.Private), null, DateTime.UtcNow);
        return new OcspSeed(new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded(), basic.GetTbsResponseData());
    }
}
