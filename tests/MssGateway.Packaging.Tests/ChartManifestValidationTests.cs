namespace MssGateway.Packaging.Tests;

/// <summary>
/// Issue 16.8: every object the chart renders, with every example values file, passes the
/// Kubernetes API schemas (ServiceMonitor and PrometheusRule included) in strict mode — and the
/// validator itself refuses what the API server would refuse or silently drop.
/// </summary>
public sealed class ChartManifestValidationTests
{
    // Every optional object on: monitoring, both directory-sync workloads, init containers.
    public static TheoryData<string, string[]> Renderings()
    {
        var data = new TheoryData<string, string[]>();
        foreach (var example in ExampleValues.Names())
        {
            data.Add(example, []);
            data.Add(example, ["--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.grafanaDashboard.enabled=true", "--set", "volumePermissions.enabled=true"]);
        }

        data.Add(ExampleValues.Defaults, ["--set", "directorySync.workload=CronJob", "--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.serviceMonitor.enabled=true"]);
        data.Add(ExampleValues.Defaults, ["--set", "gateway.spool.persistence.enabled=false", "--set", "networkPolicy.egress.enabled=false", "--set", "directorySync.enabled=false"]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public async Task Every_rendered_object_is_valid_against_the_kubernetes_api_schemas(string example, string[] flags)
    {
        var yaml = await Helm.TemplateTextAsync(ExampleValues.Arguments(example, flags));
        var result = await KubernetesSchemas.ValidateAsync(yaml);
        Assert.True(result.ExitCode == 0, $"{example} {string.Join(' ', flags)}:\n{result.StdOut}{result.StdErr}");
        var count = RenderedChart.Parse(yaml).Manifests.Count;
        Assert.Contains($"{count} objects valid, 0 invalid", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Monitoring_objects_are_checked_against_the_prometheus_operator_schemas()
    {
        var yaml = await Helm.TemplateTextAsync("--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.prometheusRule.enabled=true");
        var result = await KubernetesSchemas.ValidateAsync(yaml);
        Assert.Contains("ok ServiceMonitor/mssgw-mssante-gateway", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("ok PrometheusRule/mssgw-mssante-gateway", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rendered_chart_with_a_port_written_as_a_string_is_refused()
    {
        var yaml = await Helm.TemplateTextAsync();
        var broken = yaml.Replace("containerPort: 9090", "containerPort: \"9090\"", StringComparison.Ordinal);
        Assert.NotEqual(yaml, broken);
        var result = await KubernetesSchemas.ValidateAsync(broken);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("invalid StatefulSet/mssgw-mssante-gateway: data/spec/template/spec/containers/0/ports/", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("containerPort must be integer", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_field_the_api_server_would_drop_is_refused()
    {
        var yaml = await Helm.TemplateTextAsync();
        var broken = yaml.Replace("readinessProbe:", "readinesProbe:", StringComparison.Ordinal);
        var result = await KubernetesSchemas.ValidateAsync(broken);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("unknown field(s) /spec/template/spec/containers/0/readinesProbe", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_outside_an_enum_is_refused()
    {
        const string pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: c, image: i, imagePullPolicy: Sometimes}\n";
        var result = await KubernetesSchemas.ValidateAsync(pod);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("invalid Pod/p: data/spec/containers/0/imagePullPolicy must be equal to one of the allowed values", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_monitor_and_a_prometheus_rule_that_break_their_crd_schemas_are_refused()
    {
        const string yaml = """
            apiVersion: monitoring.coreos.com/v1
            kind: ServiceMonitor
            metadata: {name: sm}
            spec:
              selector: {}
              endpoints: [{port: http-metrics, interval: 30}]
            ---
            apiVersion: monitoring.coreos.com/v1
            kind: PrometheusRule
            metadata: {name: pr}
            spec:
              groups: [{name: g, rules: [{alert: A, expr: up, forr: 5m}]}]
            """;
        var result = await KubernetesSchemas.ValidateAsync(yaml);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("invalid ServiceMonitor/sm: data/spec/endpoints/0/interval must be string", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("invalid PrometheusRule/pr: unknown field(s) /spec/groups/0/rules/0/forr", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("0 objects valid, 2 invalid", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kind_without_a_schema_is_refused_not_skipped()
    {
        var result = await KubernetesSchemas.ValidateAsync("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("invalid Widget/w: no schema for example.com/v1 Widget", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_required_field_is_refused()
    {
        var result = await KubernetesSchemas.ValidateAsync("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {}}\n");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("data/spec must have required property selector", result.StdOut, StringComparison.Ordinal);
    }
}
