using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MssGateway.Testing;

namespace MssGateway.Trust.Tests.Fuzzing;

/// <summary>
/// Certificates and CRLs the fuzzer (bench/fuzz, targets certificate and crl) found, reduced to the
/// one malformed field each: the engine answers every one with a verdict, never an exception, since
/// a client presents whatever certificate it likes and a CRL comes over plain HTTP
/// (docs/security.md "Fuzzing"). The PKI is made here, at run time.
/// </summary>
public sealed class CertificateFuzzRegressionTests : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust-fuzz");
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _root;
    private readonly TrustMetrics _metrics = new();

    public CertificateFuzzRegressionTests()
    {
        var request = new CertificateRequest("CN=AC FUZZ REGRESSION,O=MSSGW,C=FR", _rootKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        File.WriteAllText(_work.Combine("root.pem"), _root.ExportCertificatePem() + "\n");
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _root.Dispose();
        _rootKey.Dispose();
        _work.Dispose();
    }

    [Fact]
    public async Task Certificate_whose_not_after_does_not_decode_is_refused_as_unreadable()
    {
        var notAfter = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var leaf = Issue("CN=810100000008+SN=DUPONT+GN=MARIE,C=FR", notAfter: notAfter);
        var der = Replace(leaf.RawData, "300101000000Z", "301301000000Z"); // month 13
        using var presented = X509CertificateLoader.LoadCertificate(der);

        var verdict = await ValidateAsync(presented);

        Assert.False(verdict.IsTrusted);
        Assert.Equal("client_cert_untrusted", verdict.Reason);
        Assert.Contains("cannot be read", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_with_an_extended_key_usage_that_does_not_decode_is_refused_as_unreadable()
    {
        // EKU value: an OCTET STRING where a SEQUENCE OF OID belongs.
        using var leaf = Issue("CN=810100000008+SN=DUPONT+GN=MARIE,C=FR", new X509Extension("2.5.29.37", [0x04, 0x00], false));

        var verdict = await ValidateAsync(leaf);

        Assert.False(verdict.IsTrusted);
        Assert.Equal("client_cert_untrusted", verdict.Reason);
        Assert.Contains("cannot be read", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_whose_subject_alt_name_holds_an_unknown_type_is_read_without_its_names()
    {
        // The SAN value the fuzzer wrote (a high tag number form around leftovers of an rfc822Name):
        // BouncyCastle's parser throws Asn1ParsingException ("unknown DL object encountered: 0xE").
        var san = Convert.FromHexString("FF2380FFFF617269652E6475706F040416686F706974616C2E6D7373616E74652E74657374");
        using var leaf = Issue("CN=mx.hopital.mssante.test,OU=3750000001,C=FR", new X509Extension("2.5.29.17", san, false));

        var identity = CertificateIdentityReader.Read(leaf);

        // No readable SAN dNSName and no serverAuth EKU: an organisation certificate (the kind never comes
        // from the CN's shape, issue 12 rule 3), so its CN is not taken for a host name either.
        Assert.Equal(CertificateKind.Organisation, identity.Kind);
        Assert.Empty(identity.DnsNames);
        Assert.Empty(identity.Emails);
    }

    [Fact]
    public async Task Certificate_whose_signature_bit_string_has_unused_bits_is_refused_not_thrown()
    {
        using var leaf = Issue("CN=810100000008+SN=DUPONT+GN=MARIE,C=FR");
        using var presented = X509CertificateLoader.LoadCertificate(WithUnusedSignatureBits(leaf.RawData));

        var verdict = await ValidateAsync(presented);

        Assert.False(verdict.IsTrusted);
    }

    [Fact]
    public async Task Crl_whose_signature_bit_string_has_unused_bits_is_refused_and_revocation_is_unknown()
    {
        using var leaf = Issue("CN=810100000008+SN=DUPONT+GN=MARIE,C=FR");
        var crl = new CertificateRevocationListBuilder().Build(_root, 1, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        var crlFile = _work.Combine("padded.crl");
        await File.WriteAllBytesAsync(crlFile, WithUnusedSignatureBits(crl));

        var verdict = await ValidateAsync(leaf, o =>
        {
            o.Revocation.Enabled = true;
            o.Revocation.UseDistributionPoints = false;
            o.Revocation.CrlFiles = [crlFile];
        });

        Assert.False(verdict.IsTrusted);
        Assert.Equal("client_cert_revocation_unknown", verdict.Reason);
    }

    [Theory]
    [InlineData("0101FF")] // a BOOLEAN where the ENUMERATED reason belongs (crl-signed finding)
    [InlineData("0A")] // truncated: a tag without its length (crl-signed finding)
    public async Task Revoked_entry_whose_reason_code_does_not_decode_still_revokes(string reasonCodeValue)
    {
        using var leaf = Issue("CN=810100000008+SN=DUPONT+GN=MARIE,C=FR");
        var crlFile = _work.Combine("bad-reason.crl");
        await File.WriteAllBytesAsync(crlFile, CrlRevoking(leaf, Convert.FromHexString(reasonCodeValue)));

        var verdict = await ValidateAsync(leaf, o =>
        {
            o.Revocation.Enabled = true;
            o.Revocation.UseDistributionPoints = false;
            o.Revocation.CrlFiles = [crlFile];
        });

        Assert.False(verdict.IsTrusted);
        Assert.Equal("client_cert_revoked", verdict.Reason);
    }

    /// <summary>A CRL of the root (BouncyCastle: .NET's builder writes only valid reason codes) listing the leaf.</summary>
    private byte[] CrlRevoking(X509Certificate2 leaf, byte[] reasonCodeValue)
    {
        var key = Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(_rootKey.ExportPkcs8PrivateKey());
        var generator = new Org.BouncyCastle.X509.X509V2CrlGenerator();
        generator.SetIssuerDN(Org.BouncyCastle.Asn1.X509.X509Name.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(_root.SubjectName.RawData)));
        generator.SetThisUpdate(DateTime.UtcNow.AddHours(-1));
        generator.SetNextUpdate(DateTime.UtcNow.AddDays(7));
        var entry = new Org.BouncyCastle.Asn1.X509.X509ExtensionsGenerator();
        entry.AddExtension(Org.BouncyCastle.Asn1.X509.X509Extensions.ReasonCode, false, reasonCodeValue);
        generator.AddCrlEntry(new Org.BouncyCastle.Math.BigInteger(1, leaf.GetSerialNumber().Reverse().ToArray()), DateTime.UtcNow.AddDays(-1), entry.Generate());
        return generator.Generate(new Org.BouncyCastle.Crypto.Operators.Asn1SignatureFactory("SHA256WITHECDSA", key)).GetEncoded();
    }

    private async Task<CertificateVerdict> ValidateAsync(X509Certificate2 leaf, Action<TrustOptions>? configure = null)
    {
        var options = new TrustOptions
        {
            AnchorPaths = [_work.Combine("root.pem")],
            VerdictCacheDuration = TimeSpan.Zero,
            Revocation = new RevocationOptions { Enabled = false, CacheDirectory = _work.Combine("crl-cache") },
        };
        configure?.Invoke(options);
        using var engine = new CertificateTrustEngine(Microsoft.Extensions.Options.Options.Create(options), _metrics);
        return await engine.ValidateAsync(leaf, null, CertificateUsage.ClientAuth, null, CancellationToken.None);
    }

    private X509Certificate2 Issue(string subject, X509Extension? extra = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        if (extra?.Oid?.Value != "2.5.29.37")
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        }

        if (extra is not null)
        {
            request.CertificateExtensions.Add(extra);
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_root, true, false));
        return request.Create(_root, DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3, 4]);
    }

    private static byte[] Replace(byte[] der, string from, string to)
    {
        var at = der.AsSpan().IndexOf(Encoding.ASCII.GetBytes(from));
        Assert.True(at >= 0, $"'{from}' not in the encoding");
        var copy = (byte[])der.Clone();
        Encoding.ASCII.GetBytes(to).CopyTo(copy, at);
        return copy;
    }

    /// <summary>The same signed structure with the signature BIT STRING's unused-bits octet set to 1.</summary>
    private static byte[] WithUnusedSignatureBits(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadEncodedValue().Length;
        var algorithm = outer.ReadEncodedValue().Length;
        AsnDecoder.ReadEncodedValue(der, AsnEncodingRules.DER, out var contentOffset, out _, out _);
        var bitString = contentOffset + tbs + algorithm;
        AsnDecoder.ReadEncodedValue(der.AsSpan(bitString), AsnEncodingRules.DER, out var bitsContent, out _, out _);
        var copy = (byte[])der.Clone();
        copy[bitString + bitsContent] = 1;
        return copy;
    }
}
