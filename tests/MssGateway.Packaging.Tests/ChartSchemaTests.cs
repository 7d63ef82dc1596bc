namespace MssGateway.Packaging.Tests;

/// <summary>values.schema.json turns a wrong value into an install-time error, not a broken pod.</summary>
public sealed class ChartSchemaTests
{
    [Theory]
    [InlineData("gateway.replicaCount", "3", "/gateway/replicaCount")]
    [InlineData("gateway.replicaCount", "two", "/gateway/replicaCount")]
    [InlineData("gateway.httpPort", "9090", "/gateway/httpPort")]
    [InlineData("gateway.shutdown.drainTimeoutSeconds", "60s", "/gateway/shutdown/drainTimeoutSeconds")]
    public async Task A_string_where_a_number_is_expected_is_rejected(string key, string value, string pointer)
    {
        var result = await Helm.RunAsync("template", "mssgw", Helm.ChartDirectory, "--set-string", $"{key}={value}");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("schema", result.StdErr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(pointer, result.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("securityContext.readOnlyRootFilesystem=false", "/securityContext/readOnlyRootFilesystem")]
    [InlineData("securityContext.allowPrivilegeEscalation=true", "/securityContext/allowPrivilegeEscalation")]
    [InlineData("gateway.listeners[0].tlsMode=Starttls", "/gateway/listeners/0/tlsMode")]
    [InlineData("gateway.listeners[0].port=25", "/gateway/listeners/0/port")]
    [InlineData("gateway.logging.format=xml", "/gateway/logging/format")]
    [InlineData("service.smtp.externalTrafficPolicy=Everywhere", "/service/smtp/externalTrafficPolicy")]
    [InlineData("gateway.replicaCuont=3", "/gateway")]
    [InlineData("directorySync.ldap.security=Tls", "/directorySync/ldap/security")]
    [InlineData("directorySync.authorisedDomains.url=http://espacedeconfiance.example/liste.xml", "/directorySync/authorisedDomains/url")]
    [InlineData("redis.tls=yes", "/redis/tls")]
    public async Task A_value_outside_the_schema_is_rejected(string assignment, string pointer)
    {
        var result = await Helm.RunAsync("template", "mssgw", Helm.ChartDirectory, "--set", assignment);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(pointer, result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lint_reports_a_schema_violation_as_a_failure()
    {
        var result = await Helm.RunAsync("lint", "--strict", Helm.ChartDirectory, "--set-string", "gateway.replicaCount=3");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("replicaCount", result.StdOut + result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_without_its_key_is_refused_with_a_message_naming_the_fix()
    {
        var result = await Helm.RunAsync("template", "mssgw", Helm.ChartDirectory, "--set", "gateway.tls.certificate=PEM");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("gateway.tls.key", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chart_requires_kubernetes_1_27_for_pvc_retention_and_cron_time_zones()
    {
        var old = await Helm.RunAsync("template", "mssgw", Helm.ChartDirectory, "--kube-version", "1.26.5");
        Assert.NotEqual(0, old.ExitCode);
        Assert.Contains("kubeVersion", old.StdErr, StringComparison.Ordinal);
        var supported = await Helm.RunAsync("template", "mssgw", Helm.ChartDirectory, "--kube-version", "1.27.0");
        Assert.True(supported.ExitCode == 0, supported.StdErr);
    }
}
