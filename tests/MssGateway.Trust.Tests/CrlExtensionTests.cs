using System.Security.Cryptography;
using MssGateway.Testing;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.X509;

namespace MssGateway.Trust.Tests;

/// <summary>
/// Issue 12 rule 6, RFC 5280 §5.2 and §5.3: a CRL, or an entry of a CRL, with a critical extension this
/// engine does not process is never used (it could narrow what the CRL means); it is refused when
/// loaded, logged (event 3013) and counted (mssgw_crl_refused_total).
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class CrlExtensionTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Crl_with_an_unrecognised_critical_extension_is_refused()
    {
        // Made by openssl ca -gencrl with a crl_extensions section adding 1.2.250.1.71.9.9 (critical).
        using var engine = pki.Engine(_work, o => o.Revocation.CrlFiles = [pki.Crl("root-fort"), pki.Crl("ca-pers-critical-ext")]);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(verdict, "client_cert_revocation_unknown", 535, "5.7.8");
        var status = engine.GetStatus().Crls.Single(c => c.Source.EndsWith("ca-pers-critical-ext.crl", StringComparison.Ordinal));
        Assert.Contains("unrecognised critical CRL extension 1.2.250.1.71.9.9", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crl_whose_entry_has_an_unrecognised_critical_extension_is_refused()
    {
        // openssl cannot put a private critical extension on an entry: the CRL is assembled with
        // BouncyCastle and signed with the openssl-made PERSONNES CA key.
        var file = _work.Combine("entry-ext.crl");
        await File.WriteAllBytesAsync(file, CrlWithCriticalEntryExtension());
        using var metrics = new TrustMetrics();
        var causes = new List<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Name == "mssgw_crl_refused_total")
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => causes.Add((string)tags.ToArray().Single(t => t.Key == "cause").Value!));
        listener.Start();

        using var engine = pki.Engine(_work, o => o.Revocation.CrlFiles = [pki.Crl("root-fort"), file], metrics);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(verdict, "client_cert_revocation_unknown", 535, "5.7.8");
        var status = engine.GetStatus().Crls.Single(c => c.Source == file);
        Assert.Contains("unrecognised critical extension 1.2.250.1.71.9.8", status.LastError, StringComparison.Ordinal);
        Assert.Contains("critical_entry_extension", causes);
    }

    [Fact]
    public async Task Crl_entry_with_a_known_non_critical_extension_is_used()
    {
        var file = _work.Combine("entry-ok.crl");
        await File.WriteAllBytesAsync(file, CrlWithCriticalEntryExtension(critical: false));
        using var engine = pki.Engine(_work, o => o.Revocation.CrlFiles = [pki.Crl("root-fort"), file]);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    private byte[] CrlWithCriticalEntryExtension(bool critical = true)
    {
        var ca = new X509CertificateParser().ReadCertificate(pki.Ca("ca-pers").RawData);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(pki.File("ca-pers.key")));
        var key = Org.BouncyCastle.Security.DotNetUtilities.GetRsaKeyPair(rsa).Private;
        var gen = new X509V2CrlGenerator();
        gen.SetIssuerDN(ca.SubjectDN);
        gen.SetThisUpdate(DateTime.UtcNow.AddMinutes(-5));
        gen.SetNextUpdate(DateTime.UtcNow.AddDays(1));
        gen.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(Org.BouncyCastle.Math.BigInteger.ValueOf(77)));
        var entry = new X509ExtensionsGenerator();
        entry.AddExtension(new DerObjectIdentifier("1.2.250.1.71.9.8"), critical, DerNull.Instance);
        gen.AddCrlEntry(Org.BouncyCastle.Math.BigInteger.ValueOf(424242), DateTime.UtcNow.AddMinutes(-10), entry.Generate());
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", key)).GetEncoded();
    }
}
