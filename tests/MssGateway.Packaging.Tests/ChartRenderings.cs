namespace MssGateway.Packaging.Tests;

/// <summary>
/// The chart rendered once per test run with the values the tests inspect: the defaults, the
/// production-like ci/production-values.yaml, and the defaults with every monitoring flag on.
/// </summary>
public sealed class ChartRenderings : IAsyncLifetime
{
    public const string Default = "default";
    public const string Production = "production";

    private readonly Dictionary<string, RenderedChart> _byName = [];

    public static string ProductionValuesFile => Path.Combine(Helm.ChartDirectory, "ci", "production-values.yaml");

    public RenderedChart this[string name] => _byName[name];

    public RenderedChart Monitoring { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _byName[Default] = await Helm.TemplateAsync();
        _byName[Production] = await Helm.TemplateAsync("--values", ProductionValuesFile);
        Monitoring = await Helm.TemplateAsync(
            "--set", "metrics.serviceMonitor.enabled=true",
            "--set", "metrics.prometheusRule.enabled=true",
            "--set", "metrics.grafanaDashboard.enabled=true");
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
