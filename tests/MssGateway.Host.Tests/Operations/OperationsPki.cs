using MssGateway.Testing;

namespace MssGateway.Host.Tests.Operations;

/// <summary>The dev-style PKI (scripts/dev-pki.sh) made once per test run in a temp folder.</summary>
public static class OperationsPki
{
    private static readonly Lazy<Task<string>> Made = new(MakeAsync);

    /// <summary>Folder holding ca.pem, server.pem/key, client-cps.pem/key/p12 (password "dev").</summary>
    public static Task<string> DirectoryAsync() => Made.Value;

    private static async Task<string> MakeAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"mssgw-ops-pki-{Environment.ProcessId}");
        if (!File.Exists(Path.Combine(dir, "client-cps.p12")))
        {
            (await ExternalProcess.RunAsync(RepositoryPaths.Combine("scripts", "dev-pki.sh"), dir)).EnsureSuccess("dev-pki.sh");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort at exit.
            }
        };
        return dir;
    }
}
