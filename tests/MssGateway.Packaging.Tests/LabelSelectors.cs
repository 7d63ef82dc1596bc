using System.Text.Json.Nodes;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>Kubernetes label selector semantics (matchLabels and matchExpressions; an empty selector matches everything).</summary>
public static class LabelSelectors
{
    public static bool Matches(JsonNode? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null)
        {
            return true;
        }

        foreach (var (key, value) in selector["matchLabels"]?.AsObject() ?? [])
        {
            if (!labels.TryGetValue(key, out var actual) || actual != Str(value))
            {
                return false;
            }
        }

        foreach (var expression in selector["matchExpressions"]?.AsArray() ?? [])
        {
            var key = Str(expression!["key"])!;
            var values = expression["values"]?.AsArray().Select(Str).ToList() ?? [];
            var has = labels.TryGetValue(key, out var actual);
            var ok = Str(expression["operator"]) switch
            {
                "In" => has && values.Contains(actual),
                "NotIn" => !has || !values.Contains(actual),
                "Exists" => has,
                "DoesNotExist" => !has,
                var op => throw new InvalidOperationException("unknown selector operator " + op),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
