using System.Text;
using MssGateway.Directory.Tests.Fixtures;
using MssGateway.DirectorySync.Sources;
using MssGateway.Testing;

namespace MssGateway.Directory.Tests;

/// <summary>The liste blanche: parsing, normalisation, Redis, and keeping the last good list.</summary>
public sealed class AuthorisedDomainListTests : IClassFixture<RedisFixture>, IDisposable
{
    private const string Xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">
          <DateDeGeneration>2026-11-22T05:00:00</DateDeGeneration>
          <ListeDomaines>
            <Domaine>
              <Nom>CH-Test.MSSante.fr</Nom>
              <Description>Centre hospitalier</Description>
              <DNCertificatOperateur>CN=mx1.ch-test.mssante.fr,OU=1750000001,O=CH TEST,ST=Paris (75),C=FR</DNCertificatOperateur>
              <ResponsableContact>dsi@ch-test.fr
        </ResponsableContact>
              <SupportContact>support@ch-test.fr</SupportContact>
              <DateMAJ>2026-01-01</DateMAJ>
            </Domaine>
            <Domaine>
              <Nom> ch-test.mssante.fr
              </Nom>
              <DNCertificatOperateur>CN=mx2.ch-test.mssante.fr,
                OU=1750000001,O=CH TEST,ST=Paris (75),C=FR</DNCertificatOperateur>
            </Domaine>
            <Domaine>
              <Nom>xn--hpital-ixa.mssante.fr</Nom>
              <DNCertificatOperateur>CN=mx.operateur.fr,OU=3123456789,O=OPERATEUR,ST=Lyon (69),C=FR</DNCertificatOperateur>
            </Domaine>
            <Domaine>
              <Nom>pharmacie.example</Nom>
              <DNCertificatOperateur>CN=mx.operateur.fr,OU=3123456789,O=OPERATEUR,ST=Lyon (69),C=FR</DNCertificatOperateur>
            </Domaine>
          </ListeDomaines>
        </ListeBlancheMSSante>
        """;

    private readonly RedisFixture _f;
    private readonly TempDirectory _dir = new("mssgw-lb");

    public AuthorisedDomainListTests(RedisFixture fixture)
    {
        _f = fixture;
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void One_domaine_element_per_operator_certificate_is_grouped_by_normalised_domain()
    {
        var list = AuthorisedDomainListReader.Parse(new MemoryStream(Encoding.UTF8.GetBytes(Xml)));

        Assert.Equal("2026-11-22T05:00:00", list.GeneratedAt);
        Assert.Equal(3, list.Domains.Count);
        Assert.Equal(
            ["CN=mx1.ch-test.mssante.fr,OU=1750000001,O=CH TEST,ST=Paris (75),C=FR", "CN=mx2.ch-test.mssante.fr,OU=1750000001,O=CH TEST,ST=Paris (75),C=FR"],
            list.Domains["ch-test.mssante.fr"]);
        Assert.True(list.Domains.ContainsKey("hôpital.mssante.fr"));
        Assert.True(list.Domains.ContainsKey("pharmacie.example"));
    }

    [Fact]
    public async Task The_list_goes_to_redis_with_its_date_and_a_failed_download_keeps_the_last_good_list()
    {
        var file = _dir.Combine("listeblanchemssante.xml");
        await File.WriteAllTextAsync(file, Xml);
        var flat = _dir.Combine("flat.txt");
        await using (var w = new StreamWriter(flat))
        {
            DirectoryDataGenerator.WriteFlatFile(w, 50);
        }

        var options = SyncHarness.FlatFileOptions(_f.Redis.Configuration, "lb", flat);
        options.AuthorisedDomains.Path = file;
        var first = await SyncHarness.RunAsync(_f.Connection, options);
        Assert.Equal(3, first.AuthorisedDomains);
        Assert.Null(first.DomainListFailure);

        await using var reader = SyncHarness.Reader(_f.Connection, "lb");
        var domain = await reader.FindAuthorisedDomainAsync("CH-TEST.mssante.fr.", CancellationToken.None);
        Assert.Equal(2, domain?.OperatorCertificateSubjects.Count);
        Assert.NotNull(await reader.FindAuthorisedDomainAsync("xn--hpital-ixa.mssante.fr", CancellationToken.None));
        Assert.Null(await reader.FindAuthorisedDomainAsync("unlisted.mssante.fr", CancellationToken.None));
        Assert.Equal("2026-11-22T05:00:00", reader.LastPointer.DomainListDate);

        // Now the download fails (nothing listens there): the run reports it, the old list stays.
        options.AuthorisedDomains.Path = null;
        options.AuthorisedDomains.Url = new Uri($"http://127.0.0.1:{FreePort.Next()}/listeblanchemssante.xml");
        var second = await SyncHarness.RunAsync(_f.Connection, options);

        Assert.NotNull(second.DomainListFailure);
        Assert.Contains("last good list stays live", second.DomainListFailure.Message, StringComparison.Ordinal);
        reader.Invalidate();
        Assert.Equal(2, (await reader.FindAuthorisedDomainAsync("ch-test.mssante.fr", CancellationToken.None))?.OperatorCertificateSubjects.Count);
        Assert.Equal("1", (string?)await _f.Connection.GetDatabase().HashGetAsync("{lb}:status", "errors:domains"));
    }
}
