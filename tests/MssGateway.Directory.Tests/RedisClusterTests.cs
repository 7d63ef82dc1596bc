using MssGateway.Directory.Tests.Fixtures;
using MssGateway.Testing;
using StackExchange.Redis;

namespace MssGateway.Directory.Tests;

/// <summary>The key model on a real 3-primary Redis Cluster: no cross-slot command, atomic switch on the control slot.</summary>
public sealed class RedisClusterTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("mssgw-cluster");
    private RedisCluster _cluster = null!;
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync()
    {
        _cluster = await RedisCluster.StartAsync();
        _connection = await _cluster.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _cluster.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Full_syncs_switch_generations_and_lookups_work_on_a_redis_cluster()
    {
        var a = _dir.Combine("a.txt");
        var b = _dir.Combine("b.txt");
        await using (var w = new StreamWriter(a))
        {
            DirectoryDataGenerator.WriteFlatFile(w, 1000, profession: "A");
        }

        await using (var w = new StreamWriter(b))
        {
            DirectoryDataGenerator.WriteFlatFile(w, 1200, profession: "B");
        }

        var lb = _dir.Combine("lb.xml");
        await File.WriteAllTextAsync(lb, """
            <ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>2026-11-22</DateDeGeneration><ListeDomaines>
            <Domaine><Nom>etab01.mssante.test</Nom><DNCertificatOperateur>CN=mx.etab01.mssante.test,O=T,C=FR</DNCertificatOperateur></Domaine>
            </ListeDomaines></ListeBlancheMSSante>
            """);
        var options = SyncHarness.FlatFileOptions(_cluster.Configuration, "cl", a);
        options.AuthorisedDomains.Path = lb;
        var first = await SyncHarness.RunAsync(_connection, options);
        options.FlatFile.Path = b;
        var second = await SyncHarness.RunAsync(_connection, options);

        Assert.Equal(1000, first.Mailboxes);
        Assert.Equal(1200, second.Mailboxes);
        await using var reader = SyncHarness.Reader(_connection, "cl");
        Assert.Equal("B", (await reader.FindByAddressAsync(DirectoryDataGenerator.Address(1103), CancellationToken.None))?.Profession);
        Assert.Equal(2, (await reader.FindByNationalIdentifierAsync(DirectoryDataGenerator.NationalIdentifier(4)!, CancellationToken.None)).Count);
        Assert.NotNull(await reader.FindAuthorisedDomainAsync("etab01.mssante.test", CancellationToken.None));
        Assert.Equal(1200, (await reader.GetStatusAsync(CancellationToken.None)).MailboxCount);

        // The data really is spread over the three primaries, and the retired generation is gone from all of them.
        var perNode = new List<long>();
        foreach (var node in _cluster.Nodes)
        {
            var server = _connection.GetServer("127.0.0.1", node.Port);
            perNode.Add(await server.DatabaseSizeAsync());
            await foreach (var key in server.KeysAsync(pattern: $"cl:g:{first.Generation}:*"))
            {
                Assert.Fail($"key {key} of the retired generation is still there");
            }
        }

        Assert.All(perNode, n => Assert.True(n > 0));
    }
}
