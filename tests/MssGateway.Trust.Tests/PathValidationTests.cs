using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MssGateway.Testing;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace MssGateway.Trust.Tests;

/// <summary>Path validation of client certificates made by openssl (issue 3 §2).</summary>
[Collection(PkiCollection.Name)]
public sealed class PathValidationTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Valid_cps_chaining_to_the_anchors_is_trusted_with_reason_ok()
    {
        using var engine = pki.Engine(_work);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
        Assert.Equal("ok", verdict.Reason);
        Assert.Null(verdict.Refusal);
        Assert.Equal("810100000008", verdict.Identity!.NationalIdentifier);
        Assert.Equal(3, verdict.Chain.Count);
    }

    [Fact]
    public async Task Missing_certificate_is_refused_with_530_5_7_0()
    {
        using var engine = pki.Engine(_work);
        var verdict = await engine.ValidateAsync(null, null, CertificateUsage.ClientAuth, null, default);
        AssertRefused(verdict, "client_cert_missing", 530, "5.7.0");
    }

    [Fact]
    public async Task Expired_certificate_is_refused_as_client_cert_expired_535_5_7_8()
    {
        using var engine = pki.Engine(_work);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-expired"), null, CertificateUsage.ClientAuth, null, default);
        AssertRefused(verdict, "client_cert_expired", 535, "5.7.8");
        Assert.Contains("expired", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Not_yet_valid_certificate_is_refused_as_client_cert_expired()
    {
        using var engine = pki.Engine(_work);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-future"), null, CertificateUsage.ClientAuth, null, default);
        AssertRefused(verdict, "client_cert_expired", 535, "5.7.8");
        Assert.Contains("not valid before", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validation_at_a_given_time_uses_that_time_for_every_certificate_of_the_path()
    {
        // S/MIME verification checks at the signing time. Revocation off: only the time rule is under test.
        using var engine = pki.Engine(_work, o => o.Revocation.Enabled = false);
        var leaf = pki.Leaf("cps-valid");
        var during = await engine.ValidateAsync(leaf, null, CertificateUsage.ClientAuth, DateTimeOffset.UtcNow.AddDays(100), default);
        Assert.True(during.IsTrusted, during.Detail);
        var after = await engine.ValidateAsync(leaf, null, CertificateUsage.ClientAuth, DateTimeOffset.UtcNow.AddDays(400), default);
        AssertRefused(after, "client_cert_expired", 535, "5.7.8");

        // The expired card was itself valid in mid-2020, but its CA did not exist yet: refused.
        var before = await engine.ValidateAsync(pki.Leaf("cps-expired"), null, CertificateUsage.ClientAuth, new DateTimeOffset(2020, 6, 1, 0, 0, 0, TimeSpan.Zero), default);
        AssertRefused(before, "client_cert_expired", 535, "5.7.8");
        Assert.Contains("CA 'TEST AC IGC-SANTE FORT PERSONNES'", before.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_of_a_rogue_root_with_the_same_names_is_untrusted()
    {
        using var engine = pki.Engine(_work);
        var extra = new X509Certificate2Collection { pki.Ca("rogue-pers"), pki.Ca("rogue-root") };
        var verdict = await engine.ValidateAsync(pki.Leaf("rogue-cps"), extra, CertificateUsage.ClientAuth, null, default);
        AssertRefused(verdict, "client_cert_untrusted", 535, "5.7.8");
        Assert.Contains("not signed by any known CA", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_without_its_intermediate_is_untrusted_and_none_is_fetched()
    {
        using var engine = pki.Engine(_work, o => o.AnchorPaths = [pki.File("root-fort.pem"), pki.File("root-elem.pem")]);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        AssertRefused(verdict, "client_cert_untrusted", 535, "5.7.8");
    }

    [Fact]
    public async Task Intermediate_sent_in_the_handshake_completes_the_path()
    {
        using var engine = pki.Engine(_work, o => o.AnchorPaths = [pki.File("root-fort.pem"), pki.File("root-elem.pem")]);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), [pki.Ca("ca-pers")], CertificateUsage.ClientAuth, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Certificate_without_client_auth_eku_is_refused_as_client_cert_usage()
    {
        using var engine = pki.Engine(_work);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-email-only"), null, CertificateUsage.ClientAuth, null, default);
        AssertRefused(verdict, "client_cert_usage", 535, "5.7.8");
    }

    [Fact]
    public async Task Same_certificate_is_accepted_for_email_protection()
    {
        using var engine = pki.Engine(_work);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-email-only"), null, CertificateUsage.EmailProtection, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Cps_card_is_refused_for_server_auth_and_operator_certificate_accepted()
    {
        using var engine = pki.Engine(_work);
        var cps = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ServerAuth, null, default);
        AssertRefused(cps, "client_cert_usage", 535, "5.7.8");
        var server = await engine.ValidateAsync(pki.Leaf("server"), null, CertificateUsage.ServerAuth, null, default);
        Assert.True(server.IsTrusted, server.Detail);
    }

    [Fact]
    public async Task Configured_extended_key_usage_replaces_the_default()
    {
        using var engine = pki.Engine(_work, o => o.ClientAuthExtendedKeyUsages = ["1.3.6.1.5.5.7.3.4"]);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-email-only"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Listener_policy_allow_list_refuses_other_policies()
    {
        using var engine = pki.Engine(_work, o =>
        {
            o.PolicyOids["submission"] = ["1.2.250.1.71.4.2.7.1.1"];
            o.PolicyOids["relay"] = ["1.2.250.1.71.4.2.7.1.99"];
        });
        var onSubmission = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, "submission", default);
        AssertRefused(onSubmission, "client_cert_usage", 535, "5.7.8");
        var onRelay = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, "relay", default);
        Assert.True(onRelay.IsTrusted, onRelay.Detail);
    }

    [Fact]
    public async Task Legacy_cps2ter_key_algorithm_is_refused_cleanly_as_untrusted()
    {
        using var engine = pki.Engine(_work);
        var verdict = await engine.ValidateAsync(LegacyKeyCertificate(), null, CertificateUsage.ClientAuth, null, default);
        AssertRefused(verdict, "client_cert_untrusted", 535, "5.7.8");
        Assert.Contains("1.2.250.1.71.2.6.1", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_critical_extension_is_refused_unless_accepted_by_configuration()
    {
        using (var engine = pki.Engine(_work))
        {
            var verdict = await engine.ValidateAsync(pki.Leaf("cps-critical-ext"), null, CertificateUsage.ClientAuth, null, default);
            AssertRefused(verdict, "client_cert_untrusted", 535, "5.7.8");
            Assert.Contains("1.2.250.1.71.9.9", verdict.Detail, StringComparison.Ordinal);
        }

        using var accepting = pki.Engine(_work, o => o.AcceptedCriticalExtensions = ["1.2.250.1.71.9.9"]);
        var accepted = await accepting.ValidateAsync(pki.Leaf("cps-critical-ext"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(accepted.IsTrusted, accepted.Detail);
    }

    [Fact]
    public async Task Certificate_signed_with_sha1_is_untrusted()
    {
        using var engine = pki.Engine(_work);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-sha1"), null, CertificateUsage.ClientAuth, null, default);
        AssertRefused(verdict, "client_cert_untrusted", 535, "5.7.8");
    }

    [Fact]
    public async Task Repeated_check_of_the_same_certificate_comes_from_the_verdict_cache()
    {
        using var engine = pki.Engine(_work);
        var first = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        var second = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.True(second.IsTrusted);
    }

    internal static void AssertRefused(CertificateVerdict verdict, string reason, int code, string enhanced)
    {
        Assert.False(verdict.IsTrusted);
        Assert.Equal(reason, verdict.Reason);
        Assert.NotNull(verdict.Refusal);
        Assert.Equal(reason, verdict.Refusal!.Value.ToLabel());

        // The reply is the host's (GatewayVerdicts, tested in MssGateway.Host.Tests): every certificate refusal is 535 5.7.8 but a missing one, 530 5.7.0.
        Assert.Equal(verdict.Refusal == CertificateRefusal.Missing ? (530, "5.7.0") : (535, "5.7.8"), (code, enhanced));
    }

    /// <summary>
    /// A CPS2ter-like certificate whose key algorithm is the proprietary OID 1.2.250.1.71.2.6.1, signed by
    /// the openssl-made PERSONNES CA (openssl cannot make such a key, so the TBS is assembled here).
    /// </summary>
    private X509Certificate2 LegacyKeyCertificate()
    {
        var ca = pki.Ca("ca-pers");
        var caBc = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(ca.RawData);
        var tbs = new V3TbsCertificateGenerator();
        tbs.SetSerialNumber(DerInteger.ValueOf(4242));
        tbs.SetIssuer(caBc.SubjectDN);
        tbs.SetSubject(new X509Name("C=FR,CN=810100000073"));
        tbs.SetStartDate(new Time(DateTime.UtcNow.AddDays(-1)));
        tbs.SetEndDate(new Time(DateTime.UtcNow.AddDays(30)));
        var sigAlg = new AlgorithmIdentifier(PkcsObjectIdentifiersSha256WithRsa, DerNull.Instance);
        tbs.SetSignature(sigAlg);
        tbs.SetSubjectPublicKeyInfo(new SubjectPublicKeyInfo(new AlgorithmIdentifier(new DerObjectIdentifier("1.2.250.1.71.2.6.1")), new byte[64]));
        var tbsCert = tbs.GenerateTbsCertificate();
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(pki.File("ca-pers.key")));
        var signature = rsa.SignData(tbsCert.GetDerEncoded(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var cert = new X509CertificateStructure(tbsCert, sigAlg, new DerBitString(signature));
        return X509CertificateLoader.LoadCertificate(cert.GetDerEncoded());
    }

    private static readonly DerObjectIdentifier PkcsObjectIdentifiersSha256WithRsa = new("1.2.840.113549.1.1.11");
}
