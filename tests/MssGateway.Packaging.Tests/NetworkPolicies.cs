using System.Text.Json.Nodes;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>A pod as NetworkPolicy sees it: its namespace, labels, and named container ports.</summary>
public sealed record PodEndpoint(string Namespace, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, int> NamedPorts)
{
    public IReadOnlyDictionary<string, string> NamespaceLabels => new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = Namespace };

    public static PodEndpoint Of(string @namespace, JsonObject podTemplate)
    {
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var container in podTemplate["spec"]!["containers"]!.AsArray())
        {
            foreach (var port in container!["ports"]?.AsArray() ?? [])
            {
                if (Str(port!["name"]) is { } name)
                {
                    ports[name] = int.Parse(Str(port["containerPort"])!, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }

        return new PodEndpoint(@namespace, PrometheusJobLabels.Labels(podTemplate["metadata"]!["labels"]), ports);
    }
}

/// <summary>
/// networking.k8s.io/v1 NetworkPolicy semantics over rendered manifests: a pod selected by no
/// policy of a direction is open in that direction; a selected pod accepts a connection when at
/// least one selecting policy has a rule whose peers and ports match it (policies add up).
/// ipBlock peers never match a pod here (pod addresses are not known when rendering).
/// </summary>
public static class NetworkPolicies
{
    public static IReadOnlyList<JsonObject> Selecting(IEnumerable<JsonObject> policies, PodEndpoint pod, string direction) =>
        policies.Where(p => Str(p["metadata"]!["namespace"]) == pod.Namespace
                && LabelSelectors.Matches(p["spec"]!["podSelector"], pod.Labels)
                && Types(p).Contains(direction))
            .ToList();

    public static bool IngressAllowed(IEnumerable<JsonObject> policies, PodEndpoint from, PodEndpoint to, int port)
    {
        var selecting = Selecting(policies, to, "Ingress");
        return selecting.Count == 0 || selecting.Any(p => PolicyAllowsIngress(p, from, to, port));
    }

    public static bool PolicyAllowsIngress(JsonObject policy, PodEndpoint from, PodEndpoint to, int port) =>
        (policy["spec"]!["ingress"]?.AsArray() ?? []).Any(rule =>
            PortMatches(rule!["ports"], to, port) && PeersMatch(rule["from"], Str(policy["metadata"]!["namespace"])!, from));

    public static bool EgressAllowed(IEnumerable<JsonObject> policies, PodEndpoint from, PodEndpoint to, int port, string protocol = "TCP")
    {
        var selecting = Selecting(policies, from, "Egress");
        return selecting.Count == 0 || selecting.Any(p => (p["spec"]!["egress"]?.AsArray() ?? []).Any(rule =>
            PortMatches(rule!["ports"], to, port, protocol) && PeersMatch(rule["to"], Str(p["metadata"]!["namespace"])!, to)));
    }

    private static IReadOnlyList<string> Types(JsonObject policy)
    {
        if (policy["spec"]!["policyTypes"] is JsonArray types)
        {
            return types.Select(t => Str(t)!).ToList();
        }

        // Without policyTypes: Ingress always, Egress when egress rules are given.
        return policy["spec"]!["egress"] is null ? ["Ingress"] : ["Ingress", "Egress"];
    }

    private static bool PortMatches(JsonNode? ports, PodEndpoint destination, int port, string protocol = "TCP")
    {
        if (ports is not JsonArray list || list.Count == 0)
        {
            return true;
        }

        return list.Any(p =>
        {
            if ((Str(p!["protocol"]) ?? "TCP") != protocol)
            {
                return false;
            }

            var value = Str(p["port"]);
            if (value is null)
            {
                return true;
            }

            if (int.TryParse(value, out var number))
            {
                var end = Str(p["endPort"]) is { } e ? int.Parse(e, System.Globalization.CultureInfo.InvariantCulture) : number;
                return port >= number && port <= end;
            }

            return destination.NamedPorts.TryGetValue(value, out var named) && named == port;
        });
    }

    private static bool PeersMatch(JsonNode? peers, string policyNamespace, PodEndpoint peer)
    {
        if (peers is not JsonArray list || list.Count == 0)
        {
            return true;
        }

        return list.Any(p =>
        {
            if (p!["ipBlock"] is not null)
            {
                return false;
            }

            var podSelector = p["podSelector"];
            var namespaceSelector = p["namespaceSelector"];
            var namespaceOk = namespaceSelector is null ? peer.Namespace == policyNamespace : LabelSelectors.Matches(namespaceSelector, peer.NamespaceLabels);
            var podOk = podSelector is null || LabelSelectors.Matches(podSelector, peer.Labels);
            return namespaceOk && podOk;
        });
    }
}
