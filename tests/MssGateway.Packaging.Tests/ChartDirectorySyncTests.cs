using System.Text.Json.Nodes;
using MssGateway.Testing;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Issue 16.6: directory-sync is observable in every mode. By default it runs as a service (a
/// Deployment syncing every `interval`, /metrics behind a Service and a ServiceMonitor); as a
/// CronJob its runs leave no metrics of their own, so the PrometheusRule alerts on its failed Jobs
/// from kube-state-metrics (kube_job_status_failed).
/// </summary>
public sealed class ChartDirectorySyncTests
{
    private const string Sync = "mssgw-mssante-gateway-directory-sync";

    [Fact]
    public async Task Service_mode_exposes_metrics_through_a_service_and_a_service_monitor()
    {
        var chart = await Helm.TemplateAsync("--set", "metrics.serviceMonitor.enabled=true");
        var deployment = chart.Single("Deployment", Sync);
        var pod = deployment["spec"]!["template"]!.AsObject();
        var service = chart.Single("Service", Sync + "-metrics");
        Assert.True(LabelSelectors.Matches(new JsonObject { ["matchLabels"] = service["spec"]!["selector"]!.DeepClone() }, PodEndpoint.Of("mail", pod).Labels));
        var port = service["spec"]!["ports"]!.AsArray().Single()!;
        Assert.Equal("http-metrics", Str(port["name"]));
        Assert.Equal("9091", Str(port["port"]));
        // Failing syncs are what the alerts need: scrape the pod while it is not ready.
        Assert.Equal("true", Str(service["spec"]!["publishNotReadyAddresses"]));
        var monitor = chart.Single("ServiceMonitor", Sync);
        Assert.Equal("http-metrics", Str(monitor["spec"]!["endpoints"]![0]!["port"]));
        Assert.Equal(["mssgw-mssante-gateway-directory-sync-metrics"], PrometheusJobLabels.OfServiceMonitor(chart, monitor).Keys);
        // The gateway's ServiceMonitor does not pick the sync's Service up, nor the other way round.
        Assert.Equal(["mssgw-mssante-gateway-metrics"], PrometheusJobLabels.OfServiceMonitor(chart, chart.Single("ServiceMonitor", "mssgw-mssante-gateway")).Keys);
    }

    [Fact]
    public async Task Its_network_policy_lets_the_scrapers_in_on_the_metrics_port_only()
    {
        var chart = await ExampleValues.RenderAsync("production-values.yaml");
        var policies = chart.OfKind("NetworkPolicy").ToList();
        var pod = PodEndpoint.Of("mail", chart.Single("Deployment", Sync)["spec"]!["template"]!.AsObject());
        var prometheus = new PodEndpoint("monitoring", new Dictionary<string, string> { ["app"] = "prometheus" }, new Dictionary<string, int>());
        var stranger = new PodEndpoint("other", new Dictionary<string, string>(), new Dictionary<string, int>());
        Assert.True(NetworkPolicies.IngressAllowed(policies, prometheus, pod, 9091));
        Assert.False(NetworkPolicies.IngressAllowed(policies, stranger, pod, 9091));
        Assert.False(NetworkPolicies.IngressAllowed(policies, prometheus, pod, 9090));
    }

    [Fact]
    public async Task Cron_job_mode_keeps_the_schedule_and_alerts_on_failed_jobs()
    {
        var chart = await ExampleValues.RenderAsync("production-values.yaml", "--set", "directorySync.workload=CronJob");
        var cronJob = chart.Single("CronJob", Sync);
        Assert.Equal("23 3 * * *", Str(cronJob["spec"]!["schedule"]));
        Assert.Empty(chart.OfKind("Deployment"));
        Assert.DoesNotContain(chart.OfKind("ServiceMonitor"), m => RenderedChart.NameOf(m) == Sync);
        var rule = chart.SingleOfKind("PrometheusRule")["spec"]!["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray())
            .Single(r => Str(r!["alert"]) == "MssGatewayDirectorySyncJobFailed")!;
        Assert.Contains("kube_job_status_failed", Str(rule["expr"]), StringComparison.Ordinal);

        // The alert, with the CronJob's real names, under promtool: a failed Job of this CronJob fires,
        // a Job that failed once then succeeded and another CronJob's failed Job do not.
        using var dir = new TempDirectory("mssgw-promtool-cron");
        var group = chart.SingleOfKind("PrometheusRule")["spec"]!["groups"]!.AsArray().Single(g => g!["rules"]!.AsArray().Any(r => Str(r!["alert"]) == "MssGatewayDirectorySyncJobFailed"))!;
        await File.WriteAllTextAsync(dir.Combine("rules.yaml"), ScrapeJobTests.ToYaml(new JsonObject { ["groups"] = new JsonArray(group.DeepClone()) }));
        var failed = $"{Sync}-29000000";
        var retried = $"{Sync}-29000060";
        var labels = $"namespace=\"mail\",job=\"kube-state-metrics\"";
        await File.WriteAllTextAsync(dir.Combine("tests.yaml"), $$"""
            rule_files: [rules.yaml]
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - series: 'kube_job_status_failed{{{labels}},job_name="{{failed}}"}'
                    values: '0 1x30'
                  - series: 'kube_job_status_active{{{labels}},job_name="{{failed}}"}'
                    values: '1 0x30'
                  - series: 'kube_job_status_succeeded{{{labels}},job_name="{{failed}}"}'
                    values: '0x30'
                  - series: 'kube_job_status_failed{{{labels}},job_name="{{retried}}"}'
                    values: '0 1x30'
                  - series: 'kube_job_status_active{{{labels}},job_name="{{retried}}"}'
                    values: '1x3 0x27'
                  - series: 'kube_job_status_succeeded{{{labels}},job_name="{{retried}}"}'
                    values: '0x3 1x27'
                  - series: 'kube_job_status_failed{{{labels}},job_name="other-cron-29000000"}'
                    values: '1x30'
                  - series: 'kube_job_status_failed{namespace="elsewhere",job="kube-state-metrics",job_name="{{failed}}"}'
                    values: '1x30'
                alert_rule_test:
                  - eval_time: 20m
                    alertname: MssGatewayDirectorySyncJobFailed
                    exp_alerts:
                      - exp_labels: {severity: warning, namespace: mail, job_name: {{failed}}}
                        exp_annotations:
                          summary: {{Str(rule["annotations"]!["summary"])}}
                          runbook: '{{Str(rule["annotations"]!["runbook"])!.Replace("'", "''", StringComparison.Ordinal)}}'
                          runbook_url: {{Str(rule["annotations"]!["runbook_url"])}}
            """);
        var result = await ExternalProcess.RunAsync("promtool", ["test", "rules", "tests.yaml"], dir.Path, timeout: TimeSpan.FromMinutes(5));
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
    }

    [Fact]
    public async Task Service_mode_has_no_job_failure_alert_and_both_modes_share_the_freshness_alert()
    {
        var chart = await Helm.TemplateAsync("--set", "metrics.prometheusRule.enabled=true");
        var alerts = chart.SingleOfKind("PrometheusRule")["spec"]!["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).Select(r => Str(r!["alert"])).ToList();
        Assert.DoesNotContain("MssGatewayDirectorySyncJobFailed", alerts);
        Assert.Contains("MssGatewayDirectorySyncStale", alerts);
        Assert.Contains("MssGatewayDirectorySyncDown", alerts);
        Assert.Contains("MssGatewayTrustStale", alerts);
    }
}
