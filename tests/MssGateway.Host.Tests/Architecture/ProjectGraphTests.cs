using System.Xml.Linq;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Architecture;

/// <summary>
/// The project graph of docs/architecture.md, read from the .csproj files themselves: the SMTP engine is
/// referenced by the host alone (a component below the host answers in its own vocabulary, never with an
/// SmtpReply), the directory contract references nothing, and StackExchange.Redis stays inside the Redis
/// implementation and directory-sync.
/// </summary>
public sealed class ProjectGraphTests
{
    private const string Smtp = "MssGateway.Smtp";
    private const string Host = "MssGateway.Host";

    /// <summary>Every product project (gateway/ and directory-sync/): name → (project references, package references).</summary>
    private static Dictionary<string, (List<string> Projects, List<string> Packages)> Graph()
    {
        var graph = new Dictionary<string, (List<string>, List<string>)>(StringComparer.Ordinal);
        foreach (var root in new[] { "gateway", "directory-sync" })
        {
            foreach (var csproj in System.IO.Directory.GetFiles(RepositoryPaths.Combine(root), "*.csproj", SearchOption.AllDirectories))
            {
                var xml = XDocument.Load(csproj);
                var projects = xml.Descendants("ProjectReference").Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/'))).ToList();
                var packages = xml.Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value).ToList();
                graph.Add(Path.GetFileNameWithoutExtension(csproj), (projects, packages));
            }
        }

        return graph;
    }

    private static HashSet<string> Reachable(Dictionary<string, (List<string> Projects, List<string> Packages)> graph, string from)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([from]);
        while (stack.TryPop(out var p))
        {
            foreach (var next in graph.TryGetValue(p, out var refs) ? refs.Projects : [])
            {
                if (seen.Add(next))
                {
                    stack.Push(next);
                }
            }
        }

        return seen;
    }

    [Fact]
    public void The_graph_is_read_from_the_project_files()
    {
        var graph = Graph();
        Assert.Contains(Smtp, graph[Host].Projects); // the one allowed edge: a broken parse would find none
        Assert.True(graph.Count >= 10, "expected the gateway's projects, found " + string.Join(", ", graph.Keys));
    }

    [Fact]
    public void No_project_below_the_host_references_the_smtp_engine()
    {
        var graph = Graph();
        var offenders = graph.Keys.Where(p => p != Host && Reachable(graph, p).Contains(Smtp)).ToList();
        Assert.True(offenders.Count == 0, "these projects reach MssGateway.Smtp (only the host may): " + string.Join(", ", offenders));
    }

    [Fact]
    public void The_directory_contract_references_no_project_and_no_package()
    {
        var contract = Graph()["MssGateway.Directory"];
        Assert.Empty(contract.Projects);
        Assert.Empty(contract.Packages);
    }

    [Fact]
    public void Only_the_redis_directory_and_directory_sync_see_stackexchange_redis()
    {
        var graph = Graph();
        var direct = graph.Where(p => p.Value.Packages.Contains("StackExchange.Redis")).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["MssGateway.Directory.Redis", "MssGateway.DirectorySync"], direct);
        foreach (var component in new[] { "MssGateway.Trust", "MssGateway.Policy", "MssGateway.Delivery", "MssGateway.Spool", "MssGateway.Directory", "MssGateway.Directory.File" })
        {
            Assert.DoesNotContain("MssGateway.Directory.Redis", Reachable(graph, component));
        }
    }

    [Fact]
    public void No_gateway_source_outside_the_redis_directory_names_a_redis_exception()
    {
        var offenders = System.IO.Directory.GetFiles(RepositoryPaths.Combine("gateway"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}MssGateway.Directory.Redis{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("RedisException", StringComparison.Ordinal) || File.ReadAllText(f).Contains("StackExchange.Redis", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(RepositoryPaths.Root, f)).ToList();
        Assert.Empty(offenders);
    }
}
