using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// The <c>job</c> label Prometheus gives the scraped targets, derived the way Prometheus derives it:
/// from a rendered ServiceMonitor with the Prometheus Operator's rules (the Service name, replaced
/// by the value of the Service label that <c>spec.jobLabel</c> names when the Service has it, then
/// the endpoint's own relabelings), and from a plain scrape configuration (<c>job_name</c>, unless a
/// static label or a relabel step says otherwise). Tests compare what the alert rules and the
/// dashboard select with these, never with a label typed by hand.
/// </summary>
public static partial class PrometheusJobLabels
{
    /// <summary>The job label of every target of the ServiceMonitor, by selected Service name.</summary>
    public static IReadOnlyDictionary<string, string> OfServiceMonitor(RenderedChart chart, JsonObject monitor)
    {
        var spec = monitor["spec"]!;
        var monitorNamespace = Str(monitor["metadata"]!["namespace"])!;
        var namespaces = spec["namespaceSelector"]?["matchNames"]?.AsArray().Select(Str).ToHashSet() ?? [monitorNamespace];
        var anyNamespace = Str(spec["namespaceSelector"]?["any"]) == "true";
        var jobLabel = Str(spec["jobLabel"]);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var service in chart.OfKind("Service"))
        {
            var labels = Labels(service["metadata"]!["labels"]);
            if (!(anyNamespace || namespaces.Contains(Str(service["metadata"]!["namespace"]))) || !LabelSelectors.Matches(spec["selector"], labels))
            {
                continue;
            }

            var portNames = service["spec"]!["ports"]!.AsArray().Select(p => Str(p!["name"])).ToHashSet();
            foreach (var endpoint in spec["endpoints"]!.AsArray())
            {
                if (!portNames.Contains(Str(endpoint!["port"])))
                {
                    continue;
                }

                // What the operator's generated scrape configuration starts from.
                var meta = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["__meta_kubernetes_service_name"] = RenderedChart.NameOf(service),
                    ["__meta_kubernetes_namespace"] = Str(service["metadata"]!["namespace"])!,
                    ["__meta_kubernetes_endpoint_port_name"] = Str(endpoint["port"])!,
                };
                foreach (var (key, value) in labels)
                {
                    meta["__meta_kubernetes_service_label_" + Sanitise(key)] = value;
                }

                var operatorSteps = new List<JsonNode?>
                {
                    new JsonObject { ["sourceLabels"] = new JsonArray("__meta_kubernetes_service_name"), ["targetLabel"] = "job", ["replacement"] = "${1}" },
                };
                if (!string.IsNullOrEmpty(jobLabel))
                {
                    operatorSteps.Add(new JsonObject { ["sourceLabels"] = new JsonArray("__meta_kubernetes_service_label_" + Sanitise(jobLabel)), ["targetLabel"] = "job", ["regex"] = "(.+)", ["replacement"] = "${1}" });
                }

                var afterOperator = Relabeling.Apply(meta, operatorSteps, camelCase: true)!;
                var final = Relabeling.Apply(afterOperator, endpoint["relabelings"]?.AsArray() ?? [], camelCase: true);
                if (final is not null)
                {
                    result[RenderedChart.NameOf(service)] = final["job"];
                }
            }
        }

        return result;
    }

    /// <summary>The job label of the compose Prometheus's target <paramref name="target"/> (host:port).</summary>
    public static string? OfScrapeTarget(JsonObject prometheusConfig, string target)
    {
        foreach (var job in prometheusConfig["scrape_configs"]!.AsArray())
        {
            foreach (var group in job!["static_configs"]?.AsArray() ?? [])
            {
                if (!group!["targets"]!.AsArray().Select(Str).Contains(target))
                {
                    continue;
                }

                var labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["__address__"] = target };
                foreach (var (key, value) in group["labels"]?.AsObject() ?? [])
                {
                    labels[key] = Str(value)!;
                }

                // Prometheus sets job from job_name only when the target group did not.
                labels.TryAdd("job", Str(job["job_name"])!);
                return Relabeling.Apply(labels, job["relabel_configs"]?.AsArray() ?? [])?["job"];
            }
        }

        return null;
    }

    /// <summary>The job label values a PromQL expression's selectors of <paramref name="metric"/> accept, as matchers.</summary>
    public static IEnumerable<(string Op, string Value)> JobMatchers(string expression, string? metric = null)
    {
        foreach (Match selector in Selector().Matches(expression))
        {
            if (metric is not null && selector.Groups["metric"].Value != metric)
            {
                continue;
            }

            foreach (Match matcher in Matcher().Matches(selector.Groups["matchers"].Value))
            {
                if (matcher.Groups["label"].Value == "job")
                {
                    yield return (matcher.Groups["op"].Value, Regex.Unescape(matcher.Groups["value"].Value));
                }
            }
        }
    }

    /// <summary>PromQL label matching: = and != on the value, =~ and !~ fully anchored.</summary>
    public static bool Accepts((string Op, string Value) matcher, string value) => matcher.Op switch
    {
        "=" => value == matcher.Value,
        "!=" => value != matcher.Value,
        "=~" => Regex.IsMatch(value, "^(?:" + matcher.Value + ")$"),
        "!~" => !Regex.IsMatch(value, "^(?:" + matcher.Value + ")$"),
        _ => throw new InvalidOperationException(matcher.Op),
    };

    internal static Dictionary<string, string> Labels(JsonNode? node) =>
        (node?.AsObject() ?? []).ToDictionary(kv => kv.Key, kv => Str(kv.Value) ?? "", StringComparer.Ordinal);

    private static string Sanitise(string labelName) => InvalidLabelCharacter().Replace(labelName, "_");

    [GeneratedRegex("[^a-zA-Z0-9_]")]
    private static partial Regex InvalidLabelCharacter();

    [GeneratedRegex(@"(?<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{(?<matchers>[^}]*)\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"(?<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*(?<op>=~|!~|!=|=)\s*""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex Matcher();
}
