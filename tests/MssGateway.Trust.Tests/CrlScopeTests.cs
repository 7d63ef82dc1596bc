using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// Issue 12 rule 6: revocation data cannot be swapped for a narrower CRL. Each attack offers, beside or
/// instead of the CA's complete CRL, a CRL the same CA really signed (made by `openssl ca -gencrl` with
/// an issuingDistributionPoint) whose scope does not cover the certificate checked, newer than the
/// complete one and listing nothing (RFC 5280 §5.2.5, §6.3.3 (b), (d)).
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class CrlScopeTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    private Task<CertificateVerdict> CheckAsync(string leaf, params string[] crls) => pki.ValidateWithCrlsAsync(_work, leaf, crls);

    [Fact]
    public async Task User_certificates_only_crl_offered_for_a_ca_certificate_does_not_hide_its_revocation()
    {
        // The FORT root revoked the PERSONNES CA; its newer "onlyContainsUserCerts" CRL does not list it.
        var verdict = await CheckAsync("cps-valid", "root-fort-revoking-pers", "root-fort-users-only", "ca-pers");
        PathValidationTests.AssertRefused(verdict, "client_cert_revoked", 535, "5.7.8");
        Assert.Contains("CA 'TEST AC IGC-SANTE FORT PERSONNES' revoked", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_certificates_only_crl_alone_gives_a_ca_certificate_no_status()
    {
        var verdict = await CheckAsync("cps-valid", "root-fort-users-only", "ca-pers");
        PathValidationTests.AssertRefused(verdict, "client_cert_revocation_unknown", 535, "5.7.8");
        Assert.Equal("crl_scope", verdict.DetailCode);
        Assert.Contains("onlyContainsUserCerts", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ca_certificates_only_crl_offered_for_a_card_does_not_hide_its_revocation()
    {
        var revoked = await CheckAsync("cps-revoked", "root-fort", "ca-pers", "ca-pers-cas-only");
        PathValidationTests.AssertRefused(revoked, "client_cert_revoked", 535, "5.7.8");
        var alone = await CheckAsync("cps-revoked", "root-fort", "ca-pers-cas-only");
        PathValidationTests.AssertRefused(alone, "client_cert_revocation_unknown", 535, "5.7.8");
        Assert.Contains("onlyContainsCACerts", alone.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crl_of_another_distribution_point_does_not_cover_the_card()
    {
        // The card names http://…/ca-pers.crl; the CA's CRL for partition "part-a" says nothing about it.
        var revoked = await CheckAsync("cps-revoked", "root-fort", "ca-pers", "ca-pers-part-a");
        PathValidationTests.AssertRefused(revoked, "client_cert_revoked", 535, "5.7.8");
        var alone = await CheckAsync("cps-revoked", "root-fort", "ca-pers-part-a");
        PathValidationTests.AssertRefused(alone, "client_cert_revocation_unknown", 535, "5.7.8");
        Assert.Equal("crl_scope", alone.DetailCode);
        Assert.Contains("another distribution point", alone.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crl_of_the_distribution_point_the_certificate_names_covers_it()
    {
        // ocsp-checked-revoked names …/ca-pers-responders.crl, the partition that CRL was issued for.
        // Checked for no particular use: these are OCSP responder certificates.
        using var engine = pki.Engine(_work, o => o.Revocation.CrlFiles = [pki.Crl("root-fort"), pki.Crl("ca-pers-responders")]);
        var forSigning = await engine.ValidateAsync(pki.Leaf("ocsp-checked-revoked"), null, CertificateUsage.None, null, default);
        PathValidationTests.AssertRefused(forSigning, "client_cert_revoked", 535, "5.7.8");
        var good = await engine.ValidateAsync(pki.Leaf("ocsp-checked"), null, CertificateUsage.None, null, default);
        Assert.True(good.IsTrusted, good.Detail);
    }

    [Fact]
    public async Task Key_compromise_only_crl_does_not_hide_a_revocation_for_another_reason()
    {
        // cps-ocsp-revoked was revoked as "superseded"; the newer CRL covers keyCompromise only.
        var verdict = await CheckAsync("cps-ocsp-revoked", "root-fort", "ca-pers", "ca-pers-key-compromise-only");
        PathValidationTests.AssertRefused(verdict, "client_cert_revoked", 535, "5.7.8");
        Assert.Contains("superseded", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crls_that_cover_only_some_reasons_give_no_status()
    {
        var verdict = await CheckAsync("cps-valid", "root-fort", "ca-pers-key-compromise-only");
        PathValidationTests.AssertRefused(verdict, "client_cert_revocation_unknown", 535, "5.7.8");
        Assert.Equal("crl_reasons", verdict.DetailCode);
    }

    [Fact]
    public async Task Indirect_crl_is_refused_when_loaded()
    {
        using var metrics = new TrustMetrics();
        using var engine = pki.Engine(_work, o => o.Revocation.CrlFiles = [pki.Crl("root-fort"), pki.Crl("ca-pers-indirect")], metrics);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-revoked"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(verdict, "client_cert_revocation_unknown", 535, "5.7.8");
        Assert.Equal("crl_missing", verdict.DetailCode);
        var status = engine.GetStatus().Crls.Single(c => c.Source.EndsWith("ca-pers-indirect.crl", StringComparison.Ordinal));
        Assert.Contains("indirect CRL", status.LastError, StringComparison.Ordinal);
        Assert.True(status.IsStale);
    }
}
