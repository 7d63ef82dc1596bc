namespace MssGateway.Packaging.Tests;

/// <summary>
/// The chart's example values: the defaults and every <c>ci/*-values.yaml</c> file. Tests that must
/// hold "with every example values file" iterate these, so a new example file is covered at once.
/// </summary>
public static class ExampleValues
{
    public const string Defaults = "(defaults)";

    public static IReadOnlyList<string> Names()
    {
        var files = Directory.GetFiles(Path.Combine(Helm.ChartDirectory, "ci"), "*-values.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        return [Defaults, .. files!];
    }

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names())
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>helm arguments for one example (none for the defaults).</summary>
    public static string[] Arguments(string name, params string[] extra) =>
        name == Defaults ? extra : ["--values", Path.Combine(Helm.ChartDirectory, "ci", name), .. extra];

    public static Task<RenderedChart> RenderAsync(string name, params string[] extra) => Helm.TemplateAsync(Arguments(name, extra));
}
