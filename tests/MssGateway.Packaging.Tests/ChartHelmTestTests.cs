using System.Text.Json.Nodes;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Issue 16.4: `helm test` passes with every example values file. Its pod fetches /readyz through
/// the metrics Service; whatever networkPolicy.metricsFrom says (production allows the monitoring
/// namespace only), the NetworkPolicies that select the gateway pods must let the test pod in, and
/// none that selects the test pod may keep it from going out.
/// </summary>
public sealed class ChartHelmTestTests
{
    public static TheoryData<string> Examples => ExampleValues.All();

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task The_helm_test_pod_reaches_readyz_of_every_gateway_pod_through_the_metrics_service(string example)
    {
        var chart = await ExampleValues.RenderAsync(example);
        var testPod = chart.Manifests.Single(m => RenderedChart.KindOf(m) == "Pod" && Str(m["metadata"]!["annotations"]?["helm.sh/hook"]) == "test");
        var ns = Str(testPod["metadata"]!["namespace"])!;
        var from = PodEndpoint.Of(ns, testPod);

        // The URL names the metrics Service and its port.
        var url = new Uri(testPod["spec"]!["containers"]![0]!["command"]!.AsArray().Select(Str).Single(a => a!.StartsWith("http://", StringComparison.Ordinal))!);
        var serviceName = url.Host.Split('.')[0];
        var service = chart.Single("Service", serviceName);
        Assert.Equal(ns, url.Host.Split('.')[1]);
        Assert.Equal("/readyz", url.AbsolutePath);
        var servicePort = service["spec"]!["ports"]!.AsArray().Single(p => Str(p!["port"]) == url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))!;

        var gatewayTemplate = chart.SingleOfKind("StatefulSet")["spec"]!["template"]!.AsObject();
        var to = PodEndpoint.Of(ns, gatewayTemplate);
        Assert.True(LabelSelectors.Matches(new JsonObject { ["matchLabels"] = service["spec"]!["selector"]!.DeepClone() }, to.Labels), "the metrics Service does not select the gateway pods");
        var target = Str(servicePort["targetPort"])!;
        var port = int.TryParse(target, out var n) ? n : to.NamedPorts[target];

        var policies = chart.OfKind("NetworkPolicy").ToList();
        var selecting = NetworkPolicies.Selecting(policies, to, "Ingress");
        if (example == "production-values.yaml")
        {
            Assert.NotEmpty(selecting);
        }

        Assert.True(NetworkPolicies.IngressAllowed(policies, from, to, port), $"{example}: no NetworkPolicy selecting the gateway lets the helm test pod reach port {port}");
        foreach (var policy in selecting)
        {
            Assert.True(NetworkPolicies.PolicyAllowsIngress(policy, from, to, port), $"{example}: NetworkPolicy {RenderedChart.NameOf(policy)} refuses the helm test pod");
        }

        Assert.True(NetworkPolicies.EgressAllowed(policies, from, to, port), $"{example}: the helm test pod may not go out to the gateway");

        // The pod carries the release's labels (the policies select it by them), and only the test component's.
        Assert.Equal("test", from.Labels["app.kubernetes.io/component"]);
        Assert.Equal("mssgw", from.Labels["app.kubernetes.io/instance"]);
    }

    [Fact]
    public async Task Only_the_release_test_pod_is_let_in_not_every_pod_of_the_namespace()
    {
        var chart = await ExampleValues.RenderAsync("production-values.yaml");
        var policies = chart.OfKind("NetworkPolicy").ToList();
        var to = PodEndpoint.Of("mail", chart.SingleOfKind("StatefulSet")["spec"]!["template"]!.AsObject());
        var stranger = new PodEndpoint("mail", new Dictionary<string, string> { ["app"] = "curl" }, new Dictionary<string, int>());
        Assert.False(NetworkPolicies.IngressAllowed(policies, stranger, to, 9090));
        var otherRelease = new PodEndpoint("mail", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "mssante-gateway", ["app.kubernetes.io/instance"] = "other", ["app.kubernetes.io/component"] = "test" }, new Dictionary<string, int>());
        Assert.False(NetworkPolicies.IngressAllowed(policies, otherRelease, to, 9090));
        var monitoring = new PodEndpoint("monitoring", new Dictionary<string, string> { ["app"] = "prometheus" }, new Dictionary<string, int>());
        Assert.True(NetworkPolicies.IngressAllowed(policies, monitoring, to, 9090));
        Assert.False(NetworkPolicies.IngressAllowed(policies, monitoring, to, 2525 + 1));
    }

    [Fact]
    public async Task Without_the_helm_test_no_extra_ingress_is_opened()
    {
        var chart = await ExampleValues.RenderAsync("production-values.yaml", "--set", "helmTest.enabled=false");
        var rules = chart.Single("NetworkPolicy", "mssgw-mssante-gateway")["spec"]!["ingress"]!.AsArray();
        Assert.DoesNotContain(rules, r => r!.ToJsonString().Contains("\"test\"", StringComparison.Ordinal));
    }
}
