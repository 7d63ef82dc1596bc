namespace MssGateway.Packaging.Tests;

/// <summary>NOTES.txt, printed after install, tells the operator what is missing and what to run next.</summary>
public sealed class ChartNotesTests
{
    [Fact]
    public async Task Default_install_lists_the_missing_secrets_and_settings()
    {
        var notes = await NotesAsync();
        Assert.Contains("!! gateway.serverName is the chart's placeholder", notes, StringComparison.Ordinal);
        Assert.Contains("kubectl -n mail create secret tls mssgw-mssante-gateway-tls", notes, StringComparison.Ordinal);
        Assert.Contains("kubectl -n mail create secret generic mssgw-mssante-gateway-trust --from-file=ca.pem=", notes, StringComparison.Ordinal);
        Assert.Contains("!! Redis: no password configured", notes, StringComparison.Ordinal);
        Assert.Contains("!! Set directorySync.ldap.host and directorySync.ldap.baseDn", notes, StringComparison.Ordinal);
        Assert.Contains("25 -> relay", notes, StringComparison.Ordinal);
        Assert.Contains("kubectl -n mail logs -f deployment/mssgw-mssante-gateway-directory-sync", notes, StringComparison.Ordinal);
        Assert.DoesNotContain("create job --from=cronjob", notes, StringComparison.Ordinal);
        Assert.Contains("terminationGracePeriodSeconds 75 s", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_install_has_nothing_missing_and_names_its_secrets()
    {
        var notes = await NotesAsync("--values", ChartRenderings.ProductionValuesFile);
        Assert.DoesNotContain("!!", notes, StringComparison.Ordinal);
        Assert.Contains("Secret \"mssgw-server-tls\"", notes, StringComparison.Ordinal);
        Assert.Contains("Secret \"igc-sante-trust\" (key igc-sante.pem)", notes, StringComparison.Ordinal);
        Assert.Contains("ServiceMonitor on, PrometheusRule on, Grafana dashboard on", notes, StringComparison.Ordinal);
        Assert.Contains("mssante-gateway/traffic=off", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cron_job_install_follows_the_first_sync_job()
    {
        var notes = await NotesAsync("--set", "directorySync.workload=CronJob");
        Assert.Contains("Job mssgw-mssante-gateway-directory-sync-first (now)", notes, StringComparison.Ordinal);
        Assert.Contains("kubectl -n mail logs -f job/mssgw-mssante-gateway-directory-sync-first", notes, StringComparison.Ordinal);
    }

    private static async Task<string> NotesAsync(params string[] extra)
    {
        // A client-side dry run renders NOTES.txt without a cluster.
        string[] args = ["install", "mssgw", Helm.ChartDirectory, "--namespace", "mail", "--dry-run=client", .. extra];
        var result = await Helm.RunAsync(args);
        result.EnsureSuccess("helm install --dry-run=client");
        var start = result.StdOut.IndexOf("NOTES:", StringComparison.Ordinal);
        Assert.True(start >= 0, "no NOTES in: " + result.StdOut[..Math.Min(500, result.StdOut.Length)]);
        return result.StdOut[start..];
    }
}
