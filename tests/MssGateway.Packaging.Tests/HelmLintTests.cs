namespace MssGateway.Packaging.Tests;

/// <summary>`helm lint --strict`: the chart is well formed and its values pass values.schema.json.</summary>
public sealed class HelmLintTests
{
    [Fact]
    public async Task Chart_passes_strict_lint_with_default_values()
    {
        var result = await Helm.RunAsync("lint", "--strict", Helm.ChartDirectory);
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
        Assert.Contains("0 chart(s) failed", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chart_passes_strict_lint_with_production_values()
    {
        var result = await Helm.RunAsync("lint", "--strict", Helm.ChartDirectory, "--values", ChartRenderings.ProductionValuesFile);
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
        Assert.Contains("0 chart(s) failed", result.StdOut, StringComparison.Ordinal);
    }
}
