using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>CRLs are downloaded again ahead of their nextUpdate, not on every refresh round (issue 3 §3).</summary>
[Collection(PkiCollection.Name)]
public sealed class CrlRefreshScheduleTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Crl_is_downloaded_again_only_within_refresh_ahead_of_its_next_update()
    {
        await using var server = new StaticFileServer(pki.File("www"), pki.HttpPort);
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var url = $"http://127.0.0.1:{pki.HttpPort}/ca-org.crl";
        using var engine = pki.Engine(_work, o =>
        {
            o.Revocation.CrlFiles = [];
            o.Revocation.CrlUrls = [url];
            o.Revocation.RefreshAhead = TimeSpan.FromHours(6);
            o.Revocation.RefreshJitter = TimeSpan.FromHours(1);
            o.Revocation.MaxRefreshInterval = TimeSpan.FromDays(30);
        }, time: clock);

        await engine.RefreshAsync(default);
        Assert.Equal(1, server.Requests["ca-org.crl"]);
        var nextUpdate = engine.GetStatus().Crls.Single().NextUpdate!.Value;

        // A day later, still far from nextUpdate (7 days): no download.
        clock.Now = clock.Now.AddDays(1);
        await engine.RefreshAsync(default);
        Assert.Equal(1, server.Requests["ca-org.crl"]);

        // Seven hours before nextUpdate (RefreshAhead 6 h + up to 1 h of jitter): not yet.
        clock.Now = nextUpdate - TimeSpan.FromHours(7) - TimeSpan.FromMinutes(1);
        await engine.RefreshAsync(default);
        Assert.Equal(1, server.Requests["ca-org.crl"]);

        // Six hours before: due whatever the jitter.
        clock.Now = nextUpdate - TimeSpan.FromHours(6) + TimeSpan.FromMinutes(1);
        await engine.RefreshAsync(default);
        Assert.Equal(2, server.Requests["ca-org.crl"]);
    }

    [Fact]
    public async Task Failed_download_is_retried_with_back_off_not_on_every_round()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var engine = pki.Engine(_work, o =>
        {
            o.Revocation.CrlFiles = [];
            o.Revocation.CrlUrls = [$"http://127.0.0.1:{pki.HttpPort}/ca-org.crl"];
            o.Revocation.RetryInterval = TimeSpan.FromMinutes(2);
        }, time: clock);

        await engine.RefreshAsync(default); // server down: fails
        Assert.NotNull(engine.GetStatus().Crls.Single().LastError);

        await using var server = new StaticFileServer(pki.File("www"), pki.HttpPort);
        clock.Now = clock.Now.AddMinutes(1);
        await engine.RefreshAsync(default);
        Assert.False(server.Requests.ContainsKey("ca-org.crl"));

        clock.Now = clock.Now.AddMinutes(2);
        await engine.RefreshAsync(default);
        Assert.Equal(1, server.Requests["ca-org.crl"]);
        Assert.Null(engine.GetStatus().Crls.Single().LastError);
    }
}
