using System.Reflection;
using MssGateway.Directory.Redis;
using MssGateway.DirectorySync.Options;
using MssGateway.Testing;

namespace MssGateway.Directory.Tests;

/// <summary>docs/directory.md documents every option key and every Redis key (STYLE.md §5).</summary>
public sealed class DocumentationTests
{
    private static readonly string Doc = File.ReadAllText(RepositoryPaths.Combine("docs", "directory.md"));

    public static TheoryData<string> OptionKeys()
    {
        var data = new TheoryData<string>();
        foreach (var key in Keys(typeof(DirectorySyncOptions), string.Empty))
        {
            data.Add(key);
        }

        foreach (var key in Keys(typeof(RedisDirectoryOptions), string.Empty))
        {
            data.Add(key);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OptionKeys))]
    public void Every_option_key_is_documented(string key)
    {
        var last = key.Split(':')[^1];
        Assert.True(Doc.Contains($"`{key}`", StringComparison.Ordinal) || Doc.Contains($"`{last}`", StringComparison.Ordinal), $"docs/directory.md does not document {key}");
    }

    [Fact]
    public void Every_redis_key_is_documented()
    {
        var k = new RedisDirectoryKeys("P");
        string[] keys = [k.Current!, k.Lock!, k.Generations!, k.Status!, k.DomainsCurrent!, k.DomainGenerations!, k.AddressBucket("<gen>", 0)!, k.IdentifierBucket("<gen>", 0)!, k.SweepBucket("<run>", 0)!, k.DomainList("<gen>")!];
        foreach (var key in keys)
        {
            var documented = key.Replace(":0", ":<n>", StringComparison.Ordinal);
            Assert.True(Doc.Contains($"`{documented}`", StringComparison.Ordinal), $"docs/directory.md does not document {documented}");
        }
    }

    private static IEnumerable<string> Keys(Type type, string prefix)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var name = prefix + p.Name;
            if (p.PropertyType.IsClass && p.PropertyType != typeof(string) && p.PropertyType != typeof(Uri))
            {
                foreach (var inner in Keys(p.PropertyType, name + ":"))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return name;
            }
        }
    }
}
