using System.Text.Json.Nodes;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Every container the chart renders runs as a non-root user on a read-only root filesystem,
/// without privilege escalation or capabilities, under the runtime's seccomp profile, with
/// resources set — with the default values and with the production-like ones.
/// </summary>
[Collection(ChartCollection.Name)]
public sealed class ChartSecurityTests(ChartRenderings charts)
{
    public static TheoryData<string> Renderings => [ChartRenderings.Default, ChartRenderings.Production];

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Both_components_render_their_workloads(string rendering)
    {
        var workloads = charts[rendering].PodTemplates().Select(p => p.Workload).ToList();
        Assert.Contains("StatefulSet/mssgw-mssante-gateway", workloads);
        Assert.Contains("Deployment/mssgw-mssante-gateway-directory-sync", workloads);
        Assert.Contains("Pod/mssgw-mssante-gateway-test-readyz", workloads);
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Every_container_runs_as_non_root(string rendering)
    {
        foreach (var (where, container, podSpec) in charts[rendering].Containers())
        {
            var runAsNonRoot = Effective(container, podSpec, "runAsNonRoot");
            Assert.True(runAsNonRoot == "true", $"{where}: runAsNonRoot is {runAsNonRoot ?? "unset"}");
            var uid = Effective(container, podSpec, "runAsUser");
            Assert.True(uid is not null && uid != "0", $"{where}: runAsUser is {uid ?? "unset"}");
        }
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Every_container_has_a_read_only_root_filesystem(string rendering)
    {
        foreach (var (where, container, _) in charts[rendering].Containers())
        {
            Assert.True(Str(container["securityContext"]?["readOnlyRootFilesystem"]) == "true", $"{where}: readOnlyRootFilesystem is not true");
        }
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void No_container_can_escalate_privileges_or_keep_capabilities(string rendering)
    {
        foreach (var (where, container, podSpec) in charts[rendering].Containers())
        {
            var sc = container["securityContext"];
            Assert.True(Str(sc?["allowPrivilegeEscalation"]) == "false", $"{where}: allowPrivilegeEscalation is not false");
            Assert.NotEqual("true", Str(sc?["privileged"]));
            var dropped = sc?["capabilities"]?["drop"]?.AsArray().Select(Str).ToList() ?? [];
            Assert.True(dropped.Contains("ALL"), $"{where}: capabilities.drop lacks ALL");
            Assert.Empty(sc?["capabilities"]?["add"]?.AsArray() ?? []);
            var seccomp = Str(sc?["seccompProfile"]?["type"]) ?? Str(podSpec["securityContext"]?["seccompProfile"]?["type"]);
            Assert.True(seccomp == "RuntimeDefault", $"{where}: seccompProfile is {seccomp ?? "unset"}");
            Assert.NotEqual("true", Str(podSpec["hostNetwork"]));
            Assert.NotEqual("true", Str(podSpec["hostPID"]));
        }
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Every_container_declares_cpu_and_memory_requests_and_a_memory_limit(string rendering)
    {
        foreach (var (where, container, _) in charts[rendering].Containers())
        {
            var resources = container["resources"];
            Assert.True(Str(resources?["requests"]?["cpu"]) is not null, $"{where}: no cpu request");
            Assert.True(Str(resources?["requests"]?["memory"]) is not null, $"{where}: no memory request");
            Assert.True(Str(resources?["limits"]?["memory"]) is not null, $"{where}: no memory limit");
        }
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Pods_do_not_mount_a_service_account_token(string rendering)
    {
        foreach (var (workload, template) in charts[rendering].PodTemplates())
        {
            Assert.True(Str(template["spec"]?["automountServiceAccountToken"]) == "false", $"{workload} mounts a token it never uses");
        }
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Every_writable_path_is_a_volume(string rendering)
    {
        // With a read-only root filesystem, the spool, caches and /tmp must be mounted volumes.
        var gateway = charts[rendering].Containers().Single(c => c.Where.StartsWith("StatefulSet/", StringComparison.Ordinal));
        var mounts = gateway.Container["volumeMounts"]!.AsArray()
            .Where(m => Str(m!["readOnly"]) != "true")
            .Select(m => Str(m!["mountPath"]))
            .ToList();
        Assert.Contains("/var/spool/mssgw", mounts);
        Assert.Contains("/tmp", mounts);
        Assert.Contains("/var/cache/mssgw", mounts);
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Every_resource_carries_the_recommended_labels(string rendering)
    {
        string[] required =
        [
            "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
            "app.kubernetes.io/component", "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of", "helm.sh/chart",
        ];
        var chart = charts[rendering];
        Assert.NotEmpty(chart.Manifests);
        foreach (var m in chart.Manifests)
        {
            var labels = m["metadata"]?["labels"]?.AsObject();
            foreach (var key in required)
            {
                Assert.True(labels?.ContainsKey(key) == true, $"{RenderedChart.KindOf(m)}/{RenderedChart.NameOf(m)} lacks label {key}");
            }

            Assert.Equal("mssgw", Str(labels!["app.kubernetes.io/instance"]));
        }

        foreach (var (workload, template) in chart.PodTemplates())
        {
            var labels = template["metadata"]?["labels"]?.AsObject();
            Assert.True(labels?.ContainsKey("app.kubernetes.io/name") == true && labels.ContainsKey("app.kubernetes.io/component"), $"{workload}: pod template lacks app.kubernetes.io labels");
        }
    }

    [Fact]
    public void Production_values_pin_images_and_use_existing_secrets()
    {
        var chart = charts[ChartRenderings.Production];
        foreach (var (where, container, _) in chart.Containers().Where(c => !c.Where.StartsWith("Pod/", StringComparison.Ordinal)))
        {
            var image = Str(container["image"])!;
            Assert.StartsWith("registry.hopital.example/", image, StringComparison.Ordinal);
            Assert.EndsWith(":1.4.2", image, StringComparison.Ordinal);
            Assert.True(Str(container["imagePullPolicy"]) is "IfNotPresent", where);
        }

        // Certificates, passwords and keys come from Secrets the operator made: the chart renders none.
        Assert.Empty(chart.OfKind("Secret"));
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Every_image_is_pinned_to_a_version_or_digest(string rendering)
    {
        foreach (var (where, container, _) in charts[rendering].Containers())
        {
            var image = Str(container["image"])!;
            Assert.Matches(@"(:\d+\.\d+[^:/]*|@sha256:[0-9a-f]{64})$", image);
            Assert.DoesNotContain(":latest", image, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Default_images_use_the_chart_app_version()
    {
        var chartYaml = YamlDocuments.ParseSingle(File.ReadAllText(Path.Combine(Helm.ChartDirectory, "Chart.yaml")));
        var appVersion = Str(chartYaml["appVersion"]);
        foreach (var (where, container, _) in charts[ChartRenderings.Default].Containers().Where(c => !c.Where.StartsWith("Pod/", StringComparison.Ordinal)))
        {
            Assert.True(Str(container["image"])!.EndsWith(":" + appVersion, StringComparison.Ordinal), $"{where}: {container["image"]}");
        }
    }

    private static string? Effective(JsonObject container, JsonObject podSpec, string key) =>
        Str(container["securityContext"]?[key]) ?? Str(podSpec["securityContext"]?[key]);

    internal static string? Str(JsonNode? node) => node?.GetValue<string>();
}
