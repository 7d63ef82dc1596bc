using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// CRLs downloaded from the certificates' HTTP distribution points, served by a real HTTP listener on
/// loopback, and the on-disk cache that lets a restart work without network (issue 3 §3).
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class CrlDownloadTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    private CertificateTrustEngine DownloadingEngine() => pki.Engine(_work, o =>
    {
        o.Revocation.UseDistributionPoints = true;
        o.Revocation.CrlFiles = [];
        o.Revocation.FetchTimeout = TimeSpan.FromSeconds(5);
    });

    [Fact]
    public async Task Crls_are_downloaded_from_distribution_points_once_and_then_served_from_cache()
    {
        await using var server = new StaticFileServer(pki.File("www"), pki.HttpPort);
        using var engine = DownloadingEngine();

        var ok = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(ok.IsTrusted, ok.Detail);
        var revoked = await engine.ValidateAsync(pki.Leaf("cps-revoked"), null, CertificateUsage.ClientAuth, null, default);
        Assert.Equal("client_cert_revoked", revoked.Reason);
        var adeli = await engine.ValidateAsync(pki.Leaf("cps-adeli"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(adeli.IsTrusted, adeli.Detail);

        // One download per CRL, not per connection.
        Assert.Equal(1, server.Requests["ca-pers.crl"]);
        Assert.Equal(1, server.Requests["root-fort.crl"]);
        var status = engine.GetStatus();
        Assert.Contains("TEST AC IGC-SANTE FORT PERSONNES", status.CrlNextUpdateByCa.Keys);
        Assert.Contains("TEST AC RACINE IGC-SANTE FORT", status.CrlNextUpdateByCa.Keys);
    }

    [Fact]
    public async Task Disk_cache_lets_a_restart_without_the_crl_server_keep_checking_revocation()
    {
        await using (var server = new StaticFileServer(pki.File("www"), pki.HttpPort))
        {
            using var first = DownloadingEngine();
            var ok = await first.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
            Assert.True(ok.IsTrusted, ok.Detail);
        }

        Assert.NotEmpty(System.IO.Directory.GetFiles(_work.Combine("crl-cache"), "*.crl"));

        // The server is gone: a new engine (a restart) still knows the CRLs from disk.
        using var restarted = DownloadingEngine();
        var again = await restarted.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(again.IsTrusted, again.Detail);
        var revoked = await restarted.ValidateAsync(pki.Leaf("cps-revoked"), null, CertificateUsage.ClientAuth, null, default);
        Assert.Equal("client_cert_revoked", revoked.Reason);
    }

    [Fact]
    public async Task Without_server_and_without_cache_the_status_is_unknown()
    {
        using var engine = DownloadingEngine();
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(verdict, "client_cert_revocation_unknown", 535, "5.7.8");
        Assert.Contains(engine.GetStatus().Crls, c => c.LastError is not null && c.LastError.Contains("download failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Configured_crl_url_is_downloaded_at_refresh_and_counted()
    {
        await using var server = new StaticFileServer(pki.File("www"), pki.HttpPort);
        using var engine = pki.Engine(_work, o =>
        {
            o.Revocation.CrlFiles = [];
            o.Revocation.CrlUrls = [$"http://127.0.0.1:{pki.HttpPort}/root-elem.crl", $"http://127.0.0.1:{pki.HttpPort}/ca-org.crl"];
        });
        await engine.RefreshCrlsNowAsync(default);
        var verdict = await engine.ValidateAsync(pki.Leaf("server"), null, CertificateUsage.ServerAuth, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
        Assert.All(engine.GetStatus().Crls, c => Assert.False(c.IsStale));
    }
}
