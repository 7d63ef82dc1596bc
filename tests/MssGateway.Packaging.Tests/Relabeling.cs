using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Prometheus relabel_config semantics (replace, keep, drop, labelmap, labeldrop, labelkeep), as
/// Prometheus applies them to a target's labels before the scrape: the job label a rule sees is the
/// result of these steps, not of what a configuration file seems to say.
/// </summary>
public static class Relabeling
{
    /// <summary>Applies the steps in order; null when a keep/drop step removes the target.</summary>
    public static Dictionary<string, string>? Apply(IReadOnlyDictionary<string, string> labels, IEnumerable<JsonNode?> steps, bool camelCase = false)
    {
        var current = new Dictionary<string, string>(labels, StringComparer.Ordinal);
        foreach (var step in steps)
        {
            if (step is null)
            {
                continue;
            }

            string? Get(string snake, string camel) => step[camelCase ? camel : snake]?.GetValue<string>();
            var action = (Get("action", "action") ?? "replace").ToLowerInvariant();
            var sources = (step[camelCase ? "sourceLabels" : "source_labels"]?.AsArray() ?? []).Select(s => s!.GetValue<string>()).ToList();
            var separator = Get("separator", "separator") ?? ";";
            var regex = new Regex("^(?:" + (Get("regex", "regex") ?? "(.*)") + ")$", RegexOptions.CultureInvariant);
            var replacement = Get("replacement", "replacement") ?? "$1";
            var target = Get("target_label", "targetLabel");
            var value = string.Join(separator, sources.Select(s => current.GetValueOrDefault(s, "")));
            switch (action)
            {
                case "replace":
                    var m = regex.Match(value);
                    if (m.Success && target is not null)
                    {
                        var result = Expand(m, replacement);
                        if (result.Length == 0)
                        {
                            current.Remove(target);
                        }
                        else
                        {
                            current[target] = result;
                        }
                    }

                    break;
                case "keep":
                    if (!regex.IsMatch(value))
                    {
                        return null;
                    }

                    break;
                case "drop":
                    if (regex.IsMatch(value))
                    {
                        return null;
                    }

                    break;
                case "labelmap":
                    foreach (var (k, v) in current.ToList())
                    {
                        var lm = regex.Match(k);
                        if (lm.Success)
                        {
                            current[Expand(lm, replacement)] = v;
                        }
                    }

                    break;
                case "labeldrop":
                    foreach (var k in current.Keys.Where(k => regex.IsMatch(k)).ToList())
                    {
                        current.Remove(k);
                    }

                    break;
                case "labelkeep":
                    foreach (var k in current.Keys.Where(k => !regex.IsMatch(k)).ToList())
                    {
                        current.Remove(k);
                    }

                    break;
                default:
                    throw new NotSupportedException($"relabel action '{action}' is not modelled by the tests; add it to Relabeling.cs");
            }
        }

        return current;
    }

    // Prometheus writes $1 or ${1} (or ${name}) in replacements.
    private static string Expand(Match m, string replacement) =>
        Regex.Replace(replacement, @"\$\{(\w+)\}|\$(\d+)", r =>
        {
            var name = r.Groups[1].Success ? r.Groups[1].Value : r.Groups[2].Value;
            return int.TryParse(name, out var i) ? (i < m.Groups.Count ? m.Groups[i].Value : "") : m.Groups[name].Value;
        });
}
