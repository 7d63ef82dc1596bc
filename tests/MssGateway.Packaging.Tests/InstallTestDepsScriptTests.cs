using MssGateway.Testing;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// scripts/install-test-deps.sh checks what the tests need by capability, not by binary name: a swaks
/// on PATH that cannot speak TLS (Debian's swaks without the recommended Net::SSLeay) is missing, and
/// the check names the package that provides it, so ./test.sh stops at once instead of failing N tests.
/// </summary>
public sealed class InstallTestDepsScriptTests
{
    private static readonly string Script = RepositoryPaths.Combine("scripts", "install-test-deps.sh");

    [Fact]
    public async Task Check_mode_on_this_machine_finds_every_capability_the_suite_needs()
    {
        var result = await ExternalProcess.RunAsync("/bin/bash", [Script, "--check"], RepositoryPaths.Root, timeout: TimeSpan.FromMinutes(1));

        result.EnsureSuccess("install-test-deps.sh --check");
        Assert.DoesNotContain("MISSING", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("ok       swaks with TLS", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_swaks_on_path_without_tls_support_is_reported_missing_with_the_package_to_install()
    {
        using var fake = new TempDirectory("mssgw-fake-swaks");
        var swaks = fake.Combine("swaks");
        // What Debian's swaks prints for --support when libnet-ssleay-perl is absent.
        await File.WriteAllTextAsync(swaks, "#!/bin/sh\necho '=== TLS not available: requires Net::SSLeay'\n");
        (await ExternalProcess.RunAsync("chmod", "0755", swaks)).EnsureSuccess("chmod");
        var path = fake.Path + ":" + Environment.GetEnvironmentVariable("PATH");

        var result = await ExternalProcess.RunAsync("/bin/bash", [Script, "--check"], RepositoryPaths.Root, timeout: TimeSpan.FromMinutes(1), environment: new Dictionary<string, string> { ["PATH"] = path });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("MISSING  swaks with TLS (Net::SSLeay)  (apt-get install swaks libnet-ssleay-perl)", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_is_refused_with_exit_2()
    {
        var result = await ExternalProcess.RunAsync("/bin/bash", [Script, "--chek"], RepositoryPaths.Root);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown option '--chek'", result.StdErr, StringComparison.Ordinal);
    }
}
