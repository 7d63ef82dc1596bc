using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>Revocation from CRL files: end certificate and CAs, stale CRLs, CRLs signed by the wrong key (issue 3 §3).</summary>
[Collection(PkiCollection.Name)]
public sealed class RevocationTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Certificate_listed_on_the_crl_is_refused_as_client_cert_revoked()
    {
        using var engine = pki.Engine(_work);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-revoked"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(verdict, "client_cert_revoked", 535, "5.7.8");
        Assert.Contains("KeyCompromise", verdict.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Revoked_intermediate_ca_makes_its_certificates_revoked()
    {
        using var engine = pki.Engine(_work, o => o.Revocation.CrlFiles = [pki.Crl("root-fort-revoking-pers"), pki.Crl("ca-pers")]);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(verdict, "client_cert_revoked", 535, "5.7.8");
        Assert.Contains("PERSONNES", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_crl_of_a_ca_of_the_path_is_revocation_unknown()
    {
        using var engine = pki.Engine(_work, o => o.Revocation.CrlFiles = [pki.Crl("ca-pers")]);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(verdict, "client_cert_revocation_unknown", 535, "5.7.8");
    }

    [Fact]
    public async Task Crl_past_next_update_fails_closed_once_the_grace_is_over()
    {
        using var engine = pki.Engine(_work, o =>
        {
            o.Revocation.CrlFiles = [pki.Crl("root-fort"), pki.Crl("ca-pers-stale")];
            o.Revocation.Grace = TimeSpan.FromMinutes(30);
        });
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(verdict, "client_cert_revocation_unknown", 535, "5.7.8");
        Assert.Contains("past nextUpdate", verdict.Detail, StringComparison.Ordinal);
        Assert.True(engine.GetStatus().IsStale);
    }

    [Fact]
    public async Task Crl_past_next_update_is_still_used_within_the_grace()
    {
        using var engine = pki.Engine(_work, o =>
        {
            o.Revocation.CrlFiles = [pki.Crl("root-fort"), pki.Crl("ca-pers-stale")];
            o.Revocation.Grace = TimeSpan.FromHours(3);
        });
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
        Assert.False(engine.GetStatus().IsStale);
    }

    [Fact]
    public async Task Crl_signed_by_the_wrong_key_is_refused_and_gives_no_status()
    {
        using var engine = pki.Engine(_work, o => o.Revocation.CrlFiles = [pki.Crl("root-fort"), pki.Crl("ca-pers-wrongkey")]);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(verdict, "client_cert_revocation_unknown", 535, "5.7.8");
        var status = engine.GetStatus().Crls.Single(c => c.Source.EndsWith("ca-pers-wrongkey.crl", StringComparison.Ordinal));
        Assert.Null(status.IssuerCa);
        Assert.Contains("does not verify", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revocation_off_accepts_without_crls()
    {
        using var engine = pki.Engine(_work, o =>
        {
            o.Revocation.Enabled = false;
            o.Revocation.CrlFiles = [];
        });
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-revoked"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Replaced_crl_file_is_reloaded_and_the_verdict_cache_follows()
    {
        var crl = _work.Combine("ca-pers.crl");
        File.Copy(pki.Crl("ca-pers-stale"), crl);
        using var engine = pki.Engine(_work, o =>
        {
            o.Revocation.CrlFiles = [pki.Crl("root-fort"), crl];
            o.Revocation.Grace = TimeSpan.Zero;
        });
        var before = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        Assert.Equal("client_cert_revocation_unknown", before.Reason);

        File.Copy(pki.Crl("ca-pers-renewed"), crl, overwrite: true);
        File.SetLastWriteTimeUtc(crl, DateTime.UtcNow.AddMinutes(1));
        await engine.RefreshAsync(default);
        var after = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(after.IsTrusted, after.Detail);
        Assert.False(after.FromCache);
    }
}
