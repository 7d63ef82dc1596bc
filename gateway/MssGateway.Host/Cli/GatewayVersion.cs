using System.Reflection;
using System.Runtime.InteropServices;

namespace MssGateway.Host.Cli;

/// <summary>
/// The version of this build, from the assembly's informational version (<c>1.0.0+COMMIT</c>: the SDK
/// appends the git commit when it builds in a clone; a build from a source archive has none).
/// </summary>
public static class GatewayVersion
{
    private static readonly string Informational =
        typeof(GatewayVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(GatewayVersion).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    /// <summary>The version without the commit, e.g. <c>1.0.0</c>.</summary>
    public static string Short => Informational.Split('+')[0];

    /// <summary>The commit the build came from, or null.</summary>
    public static string? Commit => Informational.Split('+') is [_, var commit, ..] && commit.Length > 0 ? commit : null;

    /// <summary><c>mssgw 1.0.0 (commit 0123456789ab, .NET 10.0.1)</c>.</summary>
    public static string Line() =>
        $"mssgw {Short} ({(Commit is { } c ? "commit " + c[..Math.Min(12, c.Length)] : "no commit recorded")}, {RuntimeInformation.FrameworkDescription})";
}
