using System.Text.RegularExpressions;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Operations;

/// <summary>Issue 7.4: the alert rules are valid, behave as their unit tests say, and each has a runbook.</summary>
public sealed partial class AlertRulesTests
{
    private static string FilesDir => RepositoryPaths.Combine("helm", "mssante-gateway", "files");

    [Fact]
    public async Task Alert_rules_pass_promtool_check_rules()
    {
        var r = await ExternalProcess.RunAsync("promtool", ["check", "rules", "prometheus-rules.yaml"], FilesDir);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("SUCCESS", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_rules_pass_their_promtool_unit_tests_with_the_job_labels_of_the_compose_scrape_config()
    {
        // The test file names no job: the labels come from where the targets are scraped. The packaging
        // tests (ScrapeJobTests) also derive them from the chart's rendered ServiceMonitors.
        var scrape = await File.ReadAllTextAsync(RepositoryPaths.Combine("docker", "prometheus", "prometheus.yml"));
        using var dir = new TempDirectory("mssgw-alert-rules");
        File.Copy(Path.Combine(FilesDir, "prometheus-rules.yaml"), dir.Combine("prometheus-rules.yaml"));
        var tests = (await File.ReadAllTextAsync(Path.Combine(FilesDir, "prometheus-rules-test.yaml")))
            .Replace("__GATEWAY_JOB__", JobOf(scrape, "gateway:9090"), StringComparison.Ordinal)
            .Replace("__DIRECTORY_SYNC_JOB__", JobOf(scrape, "directory-sync:9091"), StringComparison.Ordinal);
        await File.WriteAllTextAsync(dir.Combine("prometheus-rules-test.yaml"), tests);
        var r = await ExternalProcess.RunAsync("promtool", ["test", "rules", "prometheus-rules-test.yaml"], dir.Path, timeout: TimeSpan.FromMinutes(8));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
    }

    [Fact]
    public void Stale_revocation_data_has_its_alert()
    {
        // docs/operations.md leaves a pod with Gateway:Health:RequireFreshRevocation=false to this alert.
        var rules = File.ReadAllText(Path.Combine(FilesDir, "prometheus-rules.yaml"));
        Assert.Contains("- alert: MssGatewayTrustStale\n    expr: mssgw_trust_stale == 1\n", rules, StringComparison.Ordinal);
        Assert.Contains("`mssgw_trust_stale` alert", File.ReadAllText(RepositoryPaths.Combine("docs", "operations.md")), StringComparison.Ordinal);
    }

    private static string JobOf(string prometheusYml, string target)
    {
        // - job_name: X / static_configs: / - targets: ["target"]
        var m = Regex.Match(prometheusYml, @"- job_name:\s*(\S+)\s*\n\s*static_configs:\s*\n\s*- targets:\s*\[""" + Regex.Escape(target) + @"""\]");
        Assert.True(m.Success, $"docker/prometheus/prometheus.yml scrapes no {target}");
        return m.Groups[1].Value;
    }

    [Fact]
    public void Every_alert_has_a_unit_test_and_a_runbook_section_in_operations_md()
    {
        var rules = File.ReadAllText(Path.Combine(FilesDir, "prometheus-rules.yaml"));
        var tests = File.ReadAllText(Path.Combine(FilesDir, "prometheus-rules-test.yaml"));
        var operations = File.ReadAllText(RepositoryPaths.Combine("docs", "operations.md"));
        var alerts = AlertPattern().Matches(rules).Select(m => m.Groups[1].Value).ToArray();
        Assert.True(alerts.Length >= 15, "expected the full set of alerts");
        foreach (var alert in alerts)
        {
            Assert.Contains("alertname: " + alert + "\n", tests, StringComparison.Ordinal);
            Assert.Contains("### " + alert + "\n", operations, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Alert_rules_use_only_documented_metrics()
    {
        var catalogue = MetricCatalogue.Load();
        var rules = File.ReadAllText(Path.Combine(FilesDir, "prometheus-rules.yaml"));
        var unknown = MetricCatalogue.NamesIn(rules).Select(n => MetricCatalogue.FamilyOf(n, catalogue)).Where(n => !catalogue.ContainsKey(n)).ToArray();
        Assert.Empty(unknown);
    }

    [GeneratedRegex(@"^\s*- alert: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex AlertPattern();
}
