using MssGateway.Testing;

namespace MssGateway.Host.Tests.Cli;

/// <summary>Runs the real <c>mssgw</c> executable (mssgw.dll next to the tests) as an operator would, and returns what it printed.</summary>
internal static class Mssgw
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "mssgw.dll");

    public static Task<ExternalProcess.Result> RunAsync(params string[] args) => RunAsync(args, null, null);

    public static Task<ExternalProcess.Result> RunAsync(IEnumerable<string> args, string? workingDirectory, IDictionary<string, string>? environment) =>
        ExternalProcess.RunAsync("dotnet", [Dll, .. args], workingDirectory, environment: environment, timeout: TimeSpan.FromMinutes(1));
}
