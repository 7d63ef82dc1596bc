using System.Text.Json.Nodes;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Issue 16.2: `helm upgrade --install --wait` works for a first install. The gateway's /readyz
/// stays 503 until Redis holds a directory, and helm --wait holds back post-install hooks until
/// every resource is ready (pkg/action/install.go: create, Wait, then the post-install hooks): a
/// first sync in a post-install hook would wait for a readiness that waits for it. So the first
/// sync runs with the release's own resources, in the install phase: the directory-sync
/// Deployment syncs at start (service mode, the default), or, with the CronJob, a one-shot Job made
/// on install. Nothing the gateway's readiness waits for is a hook, nor depends on one.
/// </summary>
public sealed class ChartFirstInstallTests
{
    private const string Sync = "mssgw-mssante-gateway-directory-sync";

    public static TheoryData<string> Examples => ExampleValues.All();

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task The_first_sync_is_created_with_the_release_not_in_a_hook_that_waits_for_readiness(string example)
    {
        foreach (var flags in new[] { Array.Empty<string>(), ["--set", "directorySync.workload=CronJob"] })
        {
            var chart = await ExampleValues.RenderAsync(example, flags);
            var syncWorkloads = chart.Manifests.Where(m => RenderedChart.KindOf(m) is "Deployment" or "Job" && RenderedChart.NameOf(m).StartsWith(Sync, StringComparison.Ordinal)).ToList();
            Assert.True(syncWorkloads.Count == 1, $"{example} {string.Join(' ', flags)}: expected one workload that syncs at install, found {chart.Describe()}");
            var workload = syncWorkloads[0];
            Assert.Null(workload["metadata"]!["annotations"]?["helm.sh/hook"]);

            // What its pod needs exists in the same phase: chart ConfigMaps/Secrets that are no hooks, or the operator's Secrets.
            var podSpec = workload["spec"]!["template"]!["spec"]!;
            foreach (var volume in podSpec["volumes"]!.AsArray())
            {
                var configMap = Str(volume!["configMap"]?["name"]);
                var secret = Str(volume["secret"]?["secretName"]);
                var rendered = chart.Manifests.FirstOrDefault(m => RenderedChart.NameOf(m) == (configMap ?? secret) && RenderedChart.KindOf(m) == (configMap is null ? "Secret" : "ConfigMap"));
                if (rendered is not null)
                {
                    Assert.Null(rendered["metadata"]!["annotations"]?["helm.sh/hook"]);
                }
            }

            // No hook other than helm test's: none that --wait could deadlock on.
            var hooks = chart.Manifests.Select(m => Str(m["metadata"]!["annotations"]?["helm.sh/hook"])).Where(h => h is not null).Distinct().ToList();
            Assert.Equal(["test"], hooks);
        }
    }

    [Fact]
    public async Task Service_mode_syncs_at_start_and_the_deployment_is_ready_only_after_a_successful_sync()
    {
        var chart = await Helm.TemplateAsync();
        var deployment = chart.Single("Deployment", Sync);
        Assert.Equal("1", Str(deployment["spec"]!["replicas"]));
        // Recreate: the old pod stops before the new one starts (the Redis lock serialises syncs anyway).
        Assert.Equal("Recreate", Str(deployment["spec"]!["strategy"]!["type"]));
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var args = container["args"]!.AsArray().Select(Str).ToList();
        Assert.DoesNotContain("--once", args);
        Assert.Equal("/readyz", Str(container["readinessProbe"]!["httpGet"]!["path"]));
        Assert.Equal("/healthz", Str(container["livenessProbe"]!["httpGet"]!["path"]));
        var settings = JsonNode.Parse(Str(chart.Single("ConfigMap", Sync)["data"]!["appsettings.json"])!)!["DirectorySync"]!;
        Assert.Equal("04:00:00", settings["Interval"]!.GetValue<string>());
        Assert.Equal(9091, settings["Http"]!["Port"]!.GetValue<int>());
        Assert.Equal("9091", Str(container["ports"]![0]!["containerPort"]));
        Assert.Empty(chart.OfKind("CronJob"));
        Assert.Empty(chart.OfKind("Job"));
    }

    [Fact]
    public async Task Cron_job_mode_adds_a_one_shot_first_sync_on_install_only()
    {
        var install = await Helm.TemplateAsync("--set", "directorySync.workload=CronJob");
        var job = install.Single("Job", Sync + "-first");
        Assert.Contains("--once", job["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(Str));
        Assert.NotNull(job["spec"]!["ttlSecondsAfterFinished"]);
        Assert.Single(install.OfKind("CronJob"));
        Assert.Empty(install.OfKind("Deployment"));

        // On upgrade the directory is in Redis already: the Job (immutable) is not rendered again.
        var upgrade = await Helm.TemplateAsync("--set", "directorySync.workload=CronJob", "--is-upgrade");
        Assert.Empty(upgrade.OfKind("Job"));
        Assert.Single(upgrade.OfKind("CronJob"));
    }

    [Fact]
    public async Task Helm_creates_the_sync_configuration_before_the_sync_and_the_sync_with_the_gateway()
    {
        // helm template prints manifests in helm's install order (the order `helm install` creates them).
        foreach (var flags in new[] { Array.Empty<string>(), ["--set", "directorySync.workload=CronJob"] })
        {
            var order = (await Helm.TemplateAsync(flags)).Manifests.Select(m => $"{RenderedChart.KindOf(m)}/{RenderedChart.NameOf(m)}").ToList();
            var config = order.IndexOf("ConfigMap/" + Sync);
            var sync = order.FindIndex(o => o.StartsWith("Deployment/" + Sync, StringComparison.Ordinal) || o.StartsWith("Job/" + Sync, StringComparison.Ordinal));
            var gateway = order.IndexOf("StatefulSet/mssgw-mssante-gateway");
            Assert.True(config >= 0 && sync > config && gateway > 0, string.Join(", ", order));
        }
    }

    [Fact]
    public async Task Gateway_readiness_is_the_readyz_that_includes_the_directory_and_its_startup_does_not_depend_on_it()
    {
        var container = ChartGatewayTests.GatewayContainer(await Helm.TemplateAsync());
        Assert.Equal("/readyz", Str(container["readinessProbe"]!["httpGet"]!["path"]));
        // Startup and liveness use /healthz: a slow first sync never restarts the gateway.
        Assert.Equal("/healthz", Str(container["startupProbe"]!["httpGet"]!["path"]));
        Assert.Equal("/healthz", Str(container["livenessProbe"]!["httpGet"]!["path"]));
    }

    [Fact]
    public void Deploy_guide_installs_with_wait_and_no_manual_first_sync()
    {
        var guide = File.ReadAllText(MssGateway.Testing.RepositoryPaths.Combine("docs", "deploy.md"));
        Assert.Contains("helm upgrade --install mssgw helm/mssante-gateway -n mssante -f my-values.yaml --wait", guide, StringComparison.Ordinal);
        Assert.DoesNotContain("create job --from=cronjob", guide, StringComparison.Ordinal);
    }
}
