using System.Text;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Documentation;

/// <summary>
/// docs/configuration.md "Every key" is the list of keys the gateway binds, by full key, with type and default,
/// generated from the options types the gateway registers (<see cref="GatewayProgram.AllKeys"/>): a key added,
/// renamed or removed in code, or in the page alone, fails here. To rewrite the table after changing options,
/// run this class with MSSGW_WRITE_DOCS=1 and commit docs/configuration.md.
/// </summary>
public sealed class ConfigurationDocumentationTests
{
    private const string Begin = "<!-- every-key:begin (generated: ConfigurationDocumentationTests, MSSGW_WRITE_DOCS=1) -->";
    private const string End = "<!-- every-key:end -->";

    private static string DocPath => RepositoryPaths.Combine("docs", "configuration.md");

    private static string Generated()
    {
        var table = new StringBuilder();
        table.Append("| Key | Type | Default |\n|---|---|---|\n");
        foreach (var (key, type, value) in BoundKeys())
        {
            table.Append($"| `{key}` | {type} | {(value is null ? string.Empty : "`" + value.Replace("|", "\\|", StringComparison.Ordinal) + "`")} |\n");
        }

        return table.ToString();
    }

    /// <summary>The keys under Gateway: (the framework's own options, e.g. the console formatter's, are not the gateway's).</summary>
    private static IEnumerable<(string Key, string Type, string? Default)> BoundKeys() =>
        GatewayProgram.AllKeys().Entries.Where(e => e.Key.StartsWith("Gateway:", StringComparison.Ordinal));

    private static List<string> DocumentedKeys(string doc) =>
        [.. Section(doc).Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)).Select(l => l.Split('`')[1])];

    private static string Section(string doc)
    {
        var begin = doc.IndexOf(Begin, StringComparison.Ordinal);
        var end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "docs/configuration.md has no generated 'Every key' table between its markers");
        return doc[(begin + Begin.Length)..end].Trim('\n') + "\n";
    }

    [Fact]
    public void Every_bound_key_is_documented_and_every_documented_key_is_bound()
    {
        var doc = File.ReadAllText(DocPath).ReplaceLineEndings("\n");
        var generated = Generated();
        if (Environment.GetEnvironmentVariable("MSSGW_WRITE_DOCS") == "1")
        {
            var begin = doc.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
            File.WriteAllText(DocPath, doc[..begin] + "\n" + generated + doc[doc.IndexOf(End, StringComparison.Ordinal)..]);
            doc = File.ReadAllText(DocPath);
        }

        var documented = DocumentedKeys(doc);
        var bound = BoundKeys().Select(e => e.Key).ToList();
        var missing = bound.Except(documented, StringComparer.Ordinal).ToList();
        var stale = documented.Except(bound, StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && stale.Count == 0,
            $"docs/configuration.md 'Every key' is out of date (rewrite it with MSSGW_WRITE_DOCS=1):\n  not documented: {string.Join(", ", missing)}\n  documented but not bound: {string.Join(", ", stale)}");
        Assert.Equal(generated, Section(doc));
    }

    [Fact]
    public void The_table_holds_keys_of_every_component_by_full_key()
    {
        var documented = DocumentedKeys(File.ReadAllText(DocPath).ReplaceLineEndings("\n"));
        foreach (var key in new[]
        {
            "Gateway:Listeners:*:Port", "Gateway:Tls:MinimumProtocol", "Gateway:Smtp:Limits:MaxRecipients", "Gateway:Spool:Path",
            "Gateway:Trust:AnchorPaths:*", "Gateway:Policy:MaxAttachmentBytes", "Gateway:Delivery:LocalDomains:*",
            "Gateway:Directory:Redis:Configuration", "Gateway:Health:CheckTimeout", "Gateway:Shutdown:DrainTimeout",
            "Gateway:Logging:Format", "Gateway:Routing:AcceptUnlistedRecipientsOnAuthorisedDomains",
        })
        {
            Assert.Contains(key, documented);
        }

        Assert.DoesNotContain(documented, k => k.StartsWith("Gateway:Routing:LocalDomains", StringComparison.Ordinal));
    }
}
