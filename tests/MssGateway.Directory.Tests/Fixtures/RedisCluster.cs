using System.Globalization;
using MssGateway.Testing;
using StackExchange.Redis;

namespace MssGateway.Directory.Tests.Fixtures;

/// <summary>A real 3-primary Redis Cluster on loopback (redis-server --cluster-enabled yes, redis-cli --cluster create).</summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private readonly List<RedisServer> _nodes;

    private RedisCluster(List<RedisServer> nodes)
    {
        _nodes = nodes;
    }

    public string Configuration => string.Join(',', _nodes.Select(n => n.Configuration));

    public IReadOnlyList<RedisServer> Nodes => _nodes;

    public static async Task<RedisCluster> StartAsync()
    {
        var nodes = new List<RedisServer>();
        for (var i = 0; i < 3; i++)
        {
            nodes.Add(await RedisServer.StartAsync("--cluster-enabled", "yes", "--cluster-config-file", $"nodes-{Guid.NewGuid():N}.conf", "--cluster-node-timeout", "5000"));
        }

        var args = new List<string> { "--cluster", "create" };
        args.AddRange(nodes.Select(n => n.Configuration));
        args.Add("--cluster-yes");
        (await ExternalProcess.RunAsync("redis-cli", args)).EnsureSuccess("redis-cli --cluster create");
        for (var i = 0; i < 100; i++)
        {
            var info = await ExternalProcess.RunAsync("redis-cli", "-p", nodes[0].Port.ToString(CultureInfo.InvariantCulture), "cluster", "info");
            if (info.StdOut.Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return new RedisCluster(nodes);
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("Redis Cluster did not reach cluster_state:ok");
    }

    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(Configuration);

    public async ValueTask DisposeAsync()
    {
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }
    }
}
