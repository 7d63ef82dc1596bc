using System.Text.Json.Nodes;
using MssGateway.Testing;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Issue 16.1: one job label for the gateway's (and directory-sync's) targets, whichever way they are
/// scraped. The label is derived from what Prometheus would make of the rendered ServiceMonitors
/// and of the compose stack's scrape configuration; the promtool rule tests are fed with it, so a
/// rule selecting another job fails them, and the dashboard's selectors must accept it.
/// </summary>
public sealed class ScrapeJobTests
{
    private const string GatewayJobPlaceholder = "__GATEWAY_JOB__";
    private const string DirectorySyncJobPlaceholder = "__DIRECTORY_SYNC_JOB__";

    private static string FilesDir => Path.Combine(Helm.ChartDirectory, "files");

    private static readonly string[] MonitoringOn = ["--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.prometheusRule.enabled=true"];

    private static JsonObject ComposePrometheus => YamlDocuments.ParseSingle(File.ReadAllText(RepositoryPaths.Combine("docker", "prometheus", "prometheus.yml")));

    /// <summary>The job labels of the gateway's and directory-sync's targets, asserting every source agrees.</summary>
    public static async Task<(string Gateway, string DirectorySync)> DerivedJobsAsync()
    {
        var gatewayJobs = new HashSet<string>();
        var syncJobs = new HashSet<string>();
        foreach (var example in ExampleValues.Names())
        {
            var chart = await ExampleValues.RenderAsync(example, MonitoringOn);
            var gatewayTargets = PrometheusJobLabels.OfServiceMonitor(chart, chart.Single("ServiceMonitor", "mssgw-mssante-gateway"));
            Assert.True(gatewayTargets.ContainsKey("mssgw-mssante-gateway-metrics"), $"{example}: the gateway ServiceMonitor selects {string.Join(", ", gatewayTargets.Keys)}");
            Assert.Single(gatewayTargets);
            gatewayJobs.UnionWith(gatewayTargets.Values);
            // directory-sync is scraped in service mode only (a CronJob's runs have no target).
            if (chart.Manifests.Any(m => RenderedChart.KindOf(m) == "Deployment" && RenderedChart.NameOf(m) == "mssgw-mssante-gateway-directory-sync"))
            {
                var syncTargets = PrometheusJobLabels.OfServiceMonitor(chart, chart.Single("ServiceMonitor", "mssgw-mssante-gateway-directory-sync"));
                Assert.Equal(["mssgw-mssante-gateway-directory-sync-metrics"], syncTargets.Keys);
                syncJobs.UnionWith(syncTargets.Values);
            }
        }

        gatewayJobs.Add(PrometheusJobLabels.OfScrapeTarget(ComposePrometheus, "gateway:9090") ?? "(compose: no target gateway:9090)");
        syncJobs.Add(PrometheusJobLabels.OfScrapeTarget(ComposePrometheus, "directory-sync:9091") ?? "(compose: no target directory-sync:9091)");
        Assert.True(gatewayJobs.Count == 1, "the gateway's targets get different job labels: " + string.Join(", ", gatewayJobs));
        Assert.True(syncJobs.Count == 1, "directory-sync's targets get different job labels: " + string.Join(", ", syncJobs));
        Assert.NotEqual(gatewayJobs.Single(), syncJobs.Single());
        return (gatewayJobs.Single(), syncJobs.Single());
    }

    [Fact]
    public async Task Chart_service_monitors_and_the_compose_scrape_config_give_one_job_label_per_component()
    {
        var (gateway, sync) = await DerivedJobsAsync();
        Assert.False(string.IsNullOrWhiteSpace(gateway));
        Assert.False(string.IsNullOrWhiteSpace(sync));
    }

    [Fact]
    public async Task The_job_label_does_not_depend_on_the_release_name()
    {
        // Without spec.jobLabel the job would be the Service name, which carries the release name.
        var (gateway, _) = await DerivedJobsAsync();
        var other = RenderedChart.Parse((await Helm.RunAsync(["template", "prod-mail", Helm.ChartDirectory, "--namespace", "mail", .. MonitoringOn])).EnsureSuccess("helm template").StdOut);
        var targets = PrometheusJobLabels.OfServiceMonitor(other, other.Single("ServiceMonitor", "prod-mail-mssante-gateway"));
        Assert.Equal([gateway], targets.Values);
    }

    [Fact]
    public void Rule_tests_type_no_job_label_by_hand()
    {
        var tests = File.ReadAllText(Path.Combine(FilesDir, "prometheus-rules-test.yaml"));
        var jobs = System.Text.RegularExpressions.Regex.Matches(tests, @"job(?:=|:\s*)""?([^"",}\s]*)").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(jobs);
        Assert.All(jobs, j => Assert.Contains(j, new[] { GatewayJobPlaceholder, DirectorySyncJobPlaceholder }));
    }

    [Fact]
    public async Task Alert_rules_rendered_by_the_chart_pass_their_promtool_tests_with_the_derived_job_labels()
    {
        var jobs = await DerivedJobsAsync();
        var chart = await ExampleValues.RenderAsync("production-values.yaml");
        var rule = chart.SingleOfKind("PrometheusRule");
        var ruleFile = new JsonObject { ["groups"] = rule["spec"]!["groups"]!.DeepClone() };
        var runbookBase = Str(rule["spec"]!["groups"]![0]!["rules"]![0]!["annotations"]!["runbook_url"])!;
        runbookBase = runbookBase[..runbookBase.IndexOf("docs/operations.md", StringComparison.Ordinal)];
        await RunPromtoolTestsAsync(ToYaml(ruleFile), jobs, runbookBase);
    }

    [Fact]
    public async Task Alert_rules_loaded_by_the_compose_prometheus_pass_their_promtool_tests_with_the_derived_job_labels()
    {
        var jobs = await DerivedJobsAsync();
        var compose = YamlDocuments.ParseSingle(File.ReadAllText(RepositoryPaths.Combine("docker", "docker-compose.yml")));
        var mount = compose["services"]!["prometheus"]!["volumes"]!.AsArray().Select(v => Str(v)!).Single(v => v.Contains("prometheus-rules.yaml", StringComparison.Ordinal));
        var ruleFile = Path.GetFullPath(Path.Combine(RepositoryPaths.Combine("docker"), mount.Split(':')[0]));
        await RunPromtoolTestsAsync(await File.ReadAllTextAsync(ruleFile), jobs, "");
    }

    [Fact]
    public async Task A_rule_selecting_another_job_fails_the_promtool_tests()
    {
        // The harness itself: a rule file whose "gateway down" selects a hand-typed job cannot pass.
        var jobs = await DerivedJobsAsync();
        var rules = (await File.ReadAllTextAsync(Path.Combine(FilesDir, "prometheus-rules.yaml"))).Replace($"job=\"{jobs.Gateway}\"", "job=\"mssante-gateway\"", StringComparison.Ordinal);
        await Assert.ThrowsAsync<Xunit.Sdk.TrueException>(() => RunPromtoolTestsAsync(rules, jobs, ""));
    }

    [Fact]
    public async Task Every_job_selector_of_the_rules_and_the_dashboard_accepts_a_derived_job_and_up_is_the_gateways()
    {
        var (gateway, sync) = await DerivedJobsAsync();
        var expressions = RuleExpressions().Concat(DashboardExpressions()).ToList();
        var upSelectors = 0;
        foreach (var expr in expressions)
        {
            foreach (var matcher in PrometheusJobLabels.JobMatchers(expr))
            {
                Assert.True(PrometheusJobLabels.Accepts(matcher, gateway) || PrometheusJobLabels.Accepts(matcher, sync), $"'{expr}' selects job {matcher.Op}\"{matcher.Value}\", which neither {gateway} nor {sync} matches");
            }
        }

        foreach (var expr in expressions.Where(e => System.Text.RegularExpressions.Regex.IsMatch(e, @"\bup\s*\{")))
        {
            var matchers = PrometheusJobLabels.JobMatchers(expr, "up").ToList();
            Assert.True(matchers.Count > 0, $"'{expr}' reads up without selecting a job");
            upSelectors++;
        }

        Assert.Contains(RuleExpressions(), e => PrometheusJobLabels.JobMatchers(e, "up").Any(m => m.Op == "=" && PrometheusJobLabels.Accepts(m, gateway)) && e.Contains("absent(", StringComparison.Ordinal));
        Assert.Contains(DashboardExpressions(), e => PrometheusJobLabels.JobMatchers(e, "up").Any(m => PrometheusJobLabels.Accepts(m, gateway)));
        Assert.True(upSelectors >= 3);
    }

    private static async Task RunPromtoolTestsAsync(string ruleFileYaml, (string Gateway, string DirectorySync) jobs, string runbookBase)
    {
        using var dir = new TempDirectory("mssgw-promtool");
        await File.WriteAllTextAsync(dir.Combine("prometheus-rules.yaml"), ruleFileYaml);
        var tests = (await File.ReadAllTextAsync(Path.Combine(FilesDir, "prometheus-rules-test.yaml")))
            .Replace(GatewayJobPlaceholder, jobs.Gateway, StringComparison.Ordinal)
            .Replace(DirectorySyncJobPlaceholder, jobs.DirectorySync, StringComparison.Ordinal)
            .Replace("runbook_url: docs/", "runbook_url: " + runbookBase + "docs/", StringComparison.Ordinal);
        await File.WriteAllTextAsync(dir.Combine("prometheus-rules-test.yaml"), tests);
        // promtool evaluates 28 h of synthetic series: minutes on a loaded machine.
        var result = await ExternalProcess.RunAsync("promtool", ["test", "rules", "prometheus-rules-test.yaml"], dir.Path, timeout: TimeSpan.FromMinutes(8));
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
        Assert.Contains("SUCCESS", result.StdOut + result.StdErr, StringComparison.Ordinal);
    }

    internal static IEnumerable<string> RuleExpressions() =>
        YamlDocuments.ParseSingle(File.ReadAllText(Path.Combine(FilesDir, "prometheus-rules.yaml")))["groups"]!.AsArray()
            .SelectMany(g => g!["rules"]!.AsArray()).Select(r => Str(r!["expr"])!);

    internal static IEnumerable<string> DashboardExpressions()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(FilesDir, "grafana-dashboard.json")))!;
        return dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]?.AsArray() ?? []).Select(t => t!["expr"]!.GetValue<string>());
    }

    internal static string ToYaml(JsonNode node) =>
        new YamlDotNet.Serialization.SerializerBuilder().Build().Serialize(System.Text.Json.JsonSerializer.Deserialize<object>(node.ToJsonString(), new System.Text.Json.JsonSerializerOptions()) is { } o ? Plain(o) : null);

    private static object? Plain(object value) => value switch
    {
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Object } e => e.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value)),
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Array } e => e.EnumerateArray().Select(x => Plain(x)).ToList(),
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } e => e.GetString(),
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Number } e => e.GetRawText(),
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.True } => true,
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.False } => false,
        _ => null,
    };
}
