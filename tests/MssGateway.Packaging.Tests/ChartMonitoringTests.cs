using System.Text.Json.Nodes;
using MssGateway.Testing;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// ServiceMonitor, PrometheusRule and Grafana dashboard: off by default, rendered from the
/// chart's files/ when enabled, and those files stay valid for promtool and Grafana.
/// </summary>
[Collection(ChartCollection.Name)]
public sealed class ChartMonitoringTests(ChartRenderings charts)
{
    private static string RulesFile => Path.Combine(Helm.ChartDirectory, "files", "prometheus-rules.yaml");

    private static string DashboardFile => Path.Combine(Helm.ChartDirectory, "files", "grafana-dashboard.json");

    [Fact]
    public void Monitoring_resources_are_off_by_default()
    {
        var chart = charts[ChartRenderings.Default];
        Assert.Empty(chart.OfKind("ServiceMonitor"));
        Assert.Empty(chart.OfKind("PrometheusRule"));
        Assert.DoesNotContain(chart.OfKind("ConfigMap"), c => RenderedChart.NameOf(c).EndsWith("-dashboard", StringComparison.Ordinal));
    }

    [Fact]
    public void Prometheus_rule_embeds_the_rule_file_groups_when_enabled()
    {
        var rule = charts.Monitoring.SingleOfKind("PrometheusRule");
        Assert.Equal("monitoring.coreos.com/v1", Str(rule["apiVersion"]));
        var rendered = rule["spec"]!["groups"]!.AsArray();
        var file = YamlDocuments.ParseSingle(File.ReadAllText(RulesFile))["groups"]!.AsArray();
        // The same groups and rules; runbook_url made absolute with metrics.prometheusRule.runbookBaseUrl.
        foreach (var r in file.SelectMany(g => g!["rules"]!.AsArray()))
        {
            r!["annotations"]!["runbook_url"] = "https://github.com/mssante-gateway/mssante-gateway/blob/main/" + Str(r["annotations"]!["runbook_url"]);
        }

        Assert.Equal(Canonical(file), Canonical(rendered));
        var alerts = rendered.SelectMany(g => g!["rules"]!.AsArray()).Select(r => Str(r!["alert"])).ToList();
        Assert.Contains("MssGatewayDown", alerts);
    }

    [Fact]
    public void Dashboard_config_map_holds_the_dashboard_for_the_grafana_sidecar_when_enabled()
    {
        var configMap = charts.Monitoring.Single("ConfigMap", "mssgw-mssante-gateway-dashboard");
        Assert.Equal("1", Str(configMap["metadata"]!["labels"]!["grafana_dashboard"]));
        var json = Str(configMap["data"]!["mssante-gateway.json"])!;
        Assert.Equal(JsonNode.Parse(File.ReadAllText(DashboardFile))!.ToJsonString(), JsonNode.Parse(json)!.ToJsonString());
    }

    [Fact]
    public void Production_puts_the_dashboard_in_the_monitoring_namespace_and_labels_rules_for_the_operator()
    {
        var chart = charts[ChartRenderings.Production];
        Assert.Equal("monitoring", Str(chart.Single("ConfigMap", "mssgw-mssante-gateway-dashboard")["metadata"]!["namespace"]));
        Assert.Equal("kube-prometheus-stack", Str(chart.SingleOfKind("PrometheusRule")["metadata"]!["labels"]!["release"]));
        Assert.Equal("kube-prometheus-stack", Str(chart.Single("ServiceMonitor", "mssgw-mssante-gateway")["metadata"]!["labels"]!["release"]));
    }

    [Fact]
    public void Service_monitor_scrapes_the_metrics_port_and_names_the_job_from_its_label()
    {
        var chart = charts.Monitoring;
        var monitor = chart.Single("ServiceMonitor", "mssgw-mssante-gateway");
        var endpoint = monitor["spec"]!["endpoints"]!.AsArray().Single()!;
        Assert.Equal("/metrics", Str(endpoint["path"]));
        var service = chart.Single("Service", "mssgw-mssante-gateway-metrics");
        Assert.Equal(Str(service["spec"]!["ports"]![0]!["name"]), Str(endpoint["port"]));
        var jobLabel = Str(monitor["spec"]!["jobLabel"])!;
        // The alert rules select job=~".*mssgw.*": the job name must match.
        Assert.Matches(".*mssgw.*", Str(service["metadata"]!["labels"]![jobLabel])!);
        foreach (var (key, value) in monitor["spec"]!["selector"]!["matchLabels"]!.AsObject())
        {
            Assert.Equal(Str(value), Str(service["metadata"]!["labels"]![key]));
        }
    }

    /// <summary>JSON with object keys sorted (helm's toYaml orders keys).</summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => JsonValue.Create(kv.Key).ToJsonString() + ":" + Canonical(kv.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };

    [Fact]
    public async Task Rule_file_passes_promtool()
    {
        var result = await ExternalProcess.RunAsync("promtool", "check", "rules", RulesFile);
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
    }

    [Fact]
    public void Rule_file_and_dashboard_query_only_mssgw_metrics_or_up()
    {
        var expressions = YamlDocuments.ParseSingle(File.ReadAllText(RulesFile))["groups"]!.AsArray()
            .SelectMany(g => g!["rules"]!.AsArray()).Select(r => Str(r!["expr"])!).ToList();
        var dashboard = JsonNode.Parse(File.ReadAllText(DashboardFile))!;
        Assert.False(string.IsNullOrEmpty(dashboard["title"]?.GetValue<string>()));
        var panels = dashboard["panels"]!.AsArray();
        Assert.NotEmpty(panels);
        expressions.AddRange(panels.SelectMany(p => p!["targets"]?.AsArray() ?? []).Select(t => t!["expr"]!.GetValue<string>()));
        Assert.NotEmpty(expressions);
        var metric = new System.Text.RegularExpressions.Regex(@"\b([a-z_:][a-z0-9_:]*)\s*(\{|\[)");
        foreach (var expr in expressions)
        {
            foreach (System.Text.RegularExpressions.Match m in metric.Matches(expr))
            {
                var name = m.Groups[1].Value;
                Assert.True(name == "up" || name.StartsWith("mssgw_", StringComparison.Ordinal), $"'{expr}' uses {name}, not an mssgw_ metric");
            }
        }
    }
}
