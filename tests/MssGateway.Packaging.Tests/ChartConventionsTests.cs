using System.Text.Json.Nodes;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Issue 16.5: Redis Sentinel and extra Redis ports in the egress policy, and the conventions of
/// widely used charts (bitnami): commonAnnotations, extraEnvVarsCM/Secret, initContainers/sidecars,
/// volumePermissions, global.imageRegistry, per-container security contexts, ServiceMonitor
/// relabelings, extra alert rules, runbookBaseUrl.
/// </summary>
public sealed class ChartConventionsTests
{
    private static IEnumerable<string> EgressPorts(RenderedChart chart, string policy) =>
        chart.Single("NetworkPolicy", policy)["spec"]!["egress"]!.AsArray().SelectMany(r => r!["ports"]?.AsArray() ?? []).Select(p => Str(p!["port"])!);

    [Fact]
    public async Task Sentinel_port_is_opened_when_redis_is_reached_through_sentinels()
    {
        var plain = await Helm.TemplateAsync();
        Assert.DoesNotContain("26379", EgressPorts(plain, "mssgw-mssante-gateway"));
        var sentinel = await Helm.TemplateAsync("--set", "redis.address=sentinel-0.redis:26379\\,sentinel-1.redis:26379\\,serviceName=mymaster");
        foreach (var policy in new[] { "mssgw-mssante-gateway", "mssgw-mssante-gateway-directory-sync" })
        {
            Assert.Contains("26379", EgressPorts(sentinel, policy));
            Assert.Contains("6379", EgressPorts(sentinel, policy));
        }
    }

    [Fact]
    public async Task Extra_redis_ports_and_extra_egress_and_ingress_rules_are_added()
    {
        var chart = await Helm.TemplateAsync(
            "--set", "networkPolicy.egress.redisExtraPorts={7000,7001}",
            "--set", "networkPolicy.extraEgress[0].ports[0].port=2526",
            "--set", "networkPolicy.extraIngress[0].ports[0].port=2600");
        foreach (var policy in new[] { "mssgw-mssante-gateway", "mssgw-mssante-gateway-directory-sync" })
        {
            var ports = EgressPorts(chart, policy).ToList();
            Assert.Contains("7000", ports);
            Assert.Contains("7001", ports);
            Assert.Contains("2526", ports);
        }

        Assert.Contains("2600", chart.Single("NetworkPolicy", "mssgw-mssante-gateway")["spec"]!["ingress"]!.AsArray().SelectMany(r => r!["ports"]!.AsArray()).Select(p => Str(p!["port"])));
    }

    [Fact]
    public async Task Common_annotations_are_on_every_resource()
    {
        var chart = await Helm.TemplateAsync("--set", "commonAnnotations.owner=messagerie", "--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.grafanaDashboard.enabled=true");
        foreach (var m in chart.Manifests)
        {
            Assert.True(Str(m["metadata"]!["annotations"]?["owner"]) == "messagerie", $"{RenderedChart.KindOf(m)}/{RenderedChart.NameOf(m)} lacks commonAnnotations");
        }

        // Resource-specific annotations survive.
        Assert.Equal("keep", Str(chart.Single("Secret", "mssgw-mssante-gateway-log-hash")["metadata"]!["annotations"]!["helm.sh/resource-policy"]));
        Assert.Equal("test", Str(chart.OfKind("Pod").Single()["metadata"]!["annotations"]!["helm.sh/hook"]));
    }

    [Fact]
    public async Task Extra_environment_from_a_config_map_and_a_secret_reaches_both_components()
    {
        var chart = await Helm.TemplateAsync(
            "--set", "gateway.extraEnvVarsCM=gw-env", "--set", "gateway.extraEnvVarsSecret=gw-secret-env",
            "--set", "directorySync.extraEnvVarsCM=sync-env", "--set", "directorySync.extraEnvVarsSecret=sync-secret-env");
        var gateway = ChartGatewayTests.GatewayContainer(chart)["envFrom"]!.AsArray();
        Assert.Contains(gateway, e => Str(e!["configMapRef"]?["name"]) == "gw-env");
        Assert.Contains(gateway, e => Str(e!["secretRef"]?["name"]) == "gw-secret-env");
        var sync = chart.Single("Deployment", "mssgw-mssante-gateway-directory-sync")["spec"]!["template"]!["spec"]!["containers"]![0]!["envFrom"]!.AsArray();
        Assert.Contains(sync, e => Str(e!["configMapRef"]?["name"]) == "sync-env");
        Assert.Contains(sync, e => Str(e!["secretRef"]?["name"]) == "sync-secret-env");
    }

    [Fact]
    public async Task Init_containers_and_sidecars_are_added_to_the_pods()
    {
        var chart = await Helm.TemplateAsync(
            "--set", "gateway.initContainers[0].name=wait", "--set", "gateway.initContainers[0].image=busybox:1.37.0",
            "--set", "gateway.sidecars[0].name=shipper", "--set", "gateway.sidecars[0].image=fluent-bit:3.2.0",
            "--set", "directorySync.sidecars[0].name=proxy", "--set", "directorySync.sidecars[0].image=envoy:1.33.0");
        var pod = chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!;
        Assert.Contains("wait", pod["initContainers"]!.AsArray().Select(c => Str(c!["name"])));
        Assert.Equal(["gateway", "shipper"], pod["containers"]!.AsArray().Select(c => Str(c!["name"])));
        var syncPod = chart.Single("Deployment", "mssgw-mssante-gateway-directory-sync")["spec"]!["template"]!["spec"]!;
        Assert.Equal(["directory-sync", "proxy"], syncPod["containers"]!.AsArray().Select(c => Str(c!["name"])));
    }

    [Fact]
    public async Task Volume_permissions_init_container_chowns_the_spool_as_root_with_only_the_capabilities_it_needs()
    {
        Assert.Null((await Helm.TemplateAsync()).SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["initContainers"]);
        var chart = await Helm.TemplateAsync("--set", "volumePermissions.enabled=true");
        var init = chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["initContainers"]!.AsArray().Single(c => Str(c!["name"]) == "volume-permissions")!;
        var script = string.Join(' ', init["command"]!.AsArray().Select(Str));
        Assert.Contains("chown", script, StringComparison.Ordinal);
        Assert.Contains("1654:1654", script, StringComparison.Ordinal);
        Assert.Contains("/var/spool/mssgw", script, StringComparison.Ordinal);
        Assert.Contains(init["volumeMounts"]!.AsArray(), m => Str(m!["name"]) == "spool" && Str(m["mountPath"]) == "/var/spool/mssgw");
        var sc = init["securityContext"]!;
        Assert.Equal("0", Str(sc["runAsUser"]));
        Assert.Equal("false", Str(sc["runAsNonRoot"]));
        Assert.Equal("true", Str(sc["readOnlyRootFilesystem"]));
        Assert.Equal("false", Str(sc["allowPrivilegeEscalation"]));
        Assert.Equal(["ALL"], sc["capabilities"]!["drop"]!.AsArray().Select(Str));
        Assert.Equal(["CHOWN", "DAC_OVERRIDE", "FOWNER"], sc["capabilities"]!["add"]!.AsArray().Select(Str).Order());
        Assert.StartsWith("docker.io/library/busybox:", Str(init["image"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Global_image_registry_replaces_the_registry_of_every_image()
    {
        var chart = await Helm.TemplateAsync("--set", "global.imageRegistry=registry.hopital.example", "--set", "volumePermissions.enabled=true");
        var images = chart.Containers().Select(c => Str(c.Container["image"])!).ToList();
        Assert.True(images.Count >= 4, string.Join(", ", images));
        Assert.All(images, i => Assert.StartsWith("registry.hopital.example/", i, StringComparison.Ordinal));
        Assert.Contains("registry.hopital.example/mssante-gateway/mssgw:0.1.0", images);
        Assert.Contains(images, i => i.StartsWith("registry.hopital.example/library/busybox:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Global_image_pull_secrets_are_merged_with_the_charts()
    {
        var chart = await Helm.TemplateAsync("--set", "global.imagePullSecrets[0].name=global-creds", "--set", "imagePullSecrets[0].name=chart-creds");
        foreach (var (workload, template) in chart.PodTemplates().Where(p => !p.Workload.StartsWith("Pod/", StringComparison.Ordinal)))
        {
            Assert.Equal(["chart-creds", "global-creds"], template["spec"]!["imagePullSecrets"]!.AsArray().Select(s => Str(s!["name"])).Order());
        }
    }

    [Fact]
    public async Task Each_component_has_its_own_pod_and_container_security_context_over_the_common_one()
    {
        var chart = await Helm.TemplateAsync("--set", "gateway.containerSecurityContext.runAsUser=2000", "--set", "directorySync.podSecurityContext.fsGroup=3000");
        Assert.Equal("2000", Str(ChartGatewayTests.GatewayContainer(chart)["securityContext"]!["runAsUser"]));
        Assert.Equal("true", Str(ChartGatewayTests.GatewayContainer(chart)["securityContext"]!["readOnlyRootFilesystem"]));
        var sync = chart.Single("Deployment", "mssgw-mssante-gateway-directory-sync")["spec"]!["template"]!["spec"]!;
        Assert.Equal("1654", Str(sync["containers"]![0]!["securityContext"]!["runAsUser"]));
        Assert.Equal("3000", Str(sync["securityContext"]!["fsGroup"]));
        Assert.Equal("1654", Str(chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["securityContext"]!["fsGroup"]));

        // The schema still refuses what would undo the hardening, per component too.
        var refused = await Helm.RunAsync("template", "mssgw", Helm.ChartDirectory, "--set", "gateway.containerSecurityContext.readOnlyRootFilesystem=false");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("/gateway/containerSecurityContext/readOnlyRootFilesystem", refused.StdErr, StringComparison.Ordinal);
        var root = await Helm.RunAsync("template", "mssgw", Helm.ChartDirectory, "--set", "directorySync.containerSecurityContext.runAsNonRoot=false");
        Assert.NotEqual(0, root.ExitCode);
    }

    [Fact]
    public async Task Service_monitor_relabelings_are_rendered()
    {
        var chart = await Helm.TemplateAsync("--set", "metrics.serviceMonitor.enabled=true",
            "--set", "metrics.serviceMonitor.relabelings[0].targetLabel=cluster", "--set", "metrics.serviceMonitor.relabelings[0].replacement=paris-1",
            "--set", "metrics.serviceMonitor.metricRelabelings[0].action=drop", "--set", "metrics.serviceMonitor.metricRelabelings[0].sourceLabels[0]=__name__", "--set", "metrics.serviceMonitor.metricRelabelings[0].regex=dotnet_.*");
        foreach (var monitor in chart.OfKind("ServiceMonitor"))
        {
            var endpoint = monitor["spec"]!["endpoints"]![0]!;
            Assert.Equal("cluster", Str(endpoint["relabelings"]![0]!["targetLabel"]));
            Assert.Equal("drop", Str(endpoint["metricRelabelings"]![0]!["action"]));
        }

        Assert.Equal(2, chart.OfKind("ServiceMonitor").Count());
    }

    [Fact]
    public async Task Extra_rules_are_added_in_their_own_group_and_runbook_urls_are_absolute()
    {
        var chart = await Helm.TemplateAsync("--set", "metrics.prometheusRule.enabled=true",
            "--set", "metrics.prometheusRule.extraRules[0].alert=HospitalQueueLarge", "--set", "metrics.prometheusRule.extraRules[0].expr=sum(mssgw_queue_messages) > 1000",
            "--set", "metrics.prometheusRule.runbookBaseUrl=https://wiki.hopital.example/mssgw/");
        var groups = chart.SingleOfKind("PrometheusRule")["spec"]!["groups"]!.AsArray();
        var extra = groups.Single(g => Str(g!["name"]) == "mssgw-extra")!;
        Assert.Equal("HospitalQueueLarge", Str(extra["rules"]![0]!["alert"]));
        foreach (var rule in groups.Where(g => Str(g!["name"]) != "mssgw-extra").SelectMany(g => g!["rules"]!.AsArray()))
        {
            var url = Str(rule!["annotations"]!["runbook_url"])!;
            Assert.StartsWith("https://wiki.hopital.example/mssgw/docs/operations.md#", url, StringComparison.Ordinal);
            Assert.True(Uri.TryCreate(url, UriKind.Absolute, out _), url);
        }

        var defaults = await Helm.TemplateAsync("--set", "metrics.prometheusRule.enabled=true");
        Assert.All(defaults.SingleOfKind("PrometheusRule")["spec"]!["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()),
            r => Assert.Matches("^https://[^ ]+/docs/operations.md#[a-z]+$", Str(r!["annotations"]!["runbook_url"])!));
    }
}
