namespace MssGateway.Packaging.Tests;

/// <summary>`helm lint --strict`: the chart is well formed and every example's values pass values.schema.json.</summary>
public sealed class HelmLintTests
{
    public static TheoryData<string> Examples => ExampleValues.All();

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Chart_passes_strict_lint_with_every_example_values_file(string example)
    {
        var result = await Helm.RunAsync(["lint", "--strict", Helm.ChartDirectory, .. ExampleValues.Arguments(example)]);
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
        Assert.Contains("0 chart(s) failed", result.StdOut, StringComparison.Ordinal);
    }
}
