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
        // "cluster create" returns when the first node has the slot map; the others learn it by
        // gossip a moment later and answer CLUSTERDOWN until then. Wait for every node.
        for (var i = 0; i < 300; i++)
        {
            if (await AllNodesReadyAsync(nodes))
            {
                return new RedisCluster(nodes);
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("Redis Cluster did not reach cluster_state:ok with all 16384 slots on every node within 30 s");
    }

    private static async Task<bool> AllNodesReadyAsync(List<RedisServer> nodes)
    {
        foreach (var node in nodes)
        {
            var info = await ExternalProcess.RunAsync("redis-cli", "-p", node.Port.ToString(CultureInfo.InvariantCulture), "cluster", "info");
            if (!info.StdOut.Contains("cluster_state:ok", StringComparison.Ordinal)
                || !info.StdOut.Contains("cluster_slots_ok:16384", StringComparison.Ordinal)
                || !info.StdOut.Contains("cluster_known_nodes:" + nodes.Count.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Connects and writes (and removes) a key on each primary (retrying while the cluster settles), so tests start on a working cluster.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(Configuration);
        var db = connection.GetDatabase();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // Keys whose hash tags fall in different thirds of the slot space reach all three primaries.
                foreach (var tag in new[] { "a", "b", "c", "d", "e", "f" })
                {
                    await db.StringSetAsync($"probe:{{{tag}}}", "1");
                    await db.KeyDeleteAsync($"probe:{{{tag}}}");
                }

                return connection;
            }
            catch (RedisException) when (attempt < 100)
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }
    }
}
