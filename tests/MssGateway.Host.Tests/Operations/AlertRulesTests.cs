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
    public async Task Alert_rules_pass_their_promtool_unit_tests()
    {
        var r = await ExternalProcess.RunAsync("promtool", ["test", "rules", "prometheus-rules-test.yaml"], FilesDir);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
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
