using System.Text.RegularExpressions;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Operations;

/// <summary>The metric catalogue: the table of docs/metrics.md, parsed.</summary>
public static partial class MetricCatalogue
{
    public sealed record Entry(string Name, string Type, IReadOnlyList<string> Labels, string Component);

    public static IReadOnlyDictionary<string, Entry> Load()
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(RepositoryPaths.Combine("docs", "metrics.md")))
        {
            var m = RowPattern().Match(line);
            if (!m.Success)
            {
                continue;
            }

            var labels = LabelPattern().Matches(m.Groups["labels"].Value).Select(l => l.Groups[1].Value).ToArray();
            entries.Add(m.Groups["name"].Value, new Entry(m.Groups["name"].Value, m.Groups["type"].Value.Trim(), labels, m.Groups["component"].Value.Trim()));
        }

        return entries;
    }

    /// <summary>Metric family of a sample or PromQL name (histogram series map to their histogram).</summary>
    public static string FamilyOf(string seriesName, IReadOnlyDictionary<string, Entry> catalogue)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (seriesName.EndsWith(suffix, StringComparison.Ordinal) && catalogue.TryGetValue(seriesName[..^suffix.Length], out var h) && h.Type == "histogram")
            {
                return h.Name;
            }
        }

        return seriesName;
    }

    /// <summary>Every mssgw_ name a text (PromQL, dashboard JSON, rules YAML) mentions.</summary>
    public static IReadOnlySet<string> NamesIn(string text) =>
        NamePattern().Matches(text).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^\|\s*`(?<name>mssgw_[a-z0-9_]+)`\s*\|\s*(?<type>counter|gauge|histogram)\s*\|(?<labels>[^|]*)\|\s*(?<component>[a-z]+)\s*\|")]
    private static partial Regex RowPattern();

    [GeneratedRegex("`([a-z_]+)`")]
    private static partial Regex LabelPattern();

    [GeneratedRegex(@"\bmssgw_[a-z0-9_]*[a-z0-9]")]
    private static partial Regex NamePattern();
}
