using System.Runtime.InteropServices;

namespace MssGateway.Host;

/// <summary>
/// The one native-memory setting the gateway depends on and cannot set for itself: glibc reads
/// <c>MALLOC_ARENA_MAX</c> when the process starts, before any managed code runs. Without it glibc
/// makes up to 8 malloc arenas per core, and OpenSSL's per-handshake allocations, spread over all of
/// them, are not given back: under <c>bench/abuse.sh</c> native memory reached 248 MB against about
/// 100 MB with two arenas (docs/smtp.md "Memory per connection"). The image, the chart and
/// <c>./run.sh</c> set it; a gateway started another way (a systemd unit, a shell) is told at start.
/// </summary>
public static class NativeMemorySettings
{
    public const string ArenaVariable = "MALLOC_ARENA_MAX";

    /// <summary>
    /// True when the process runs on glibc with no arena limit: neither <c>MALLOC_ARENA_MAX</c> nor the
    /// <c>glibc.malloc.arena_max</c> tunable of <c>GLIBC_TUNABLES</c> is set.
    /// </summary>
    public static bool ArenasUnbounded(Func<string, string?> environment, bool onGlibc)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!onGlibc)
        {
            return false;
        }

        if (!string.IsNullOrWhiteSpace(environment(ArenaVariable)))
        {
            return false;
        }

        var tunables = environment("GLIBC_TUNABLES");
        return tunables is null || !tunables.Contains("glibc.malloc.arena_max=", StringComparison.Ordinal);
    }

    /// <summary>This process: Linux, and not a musl build of the runtime.</summary>
    public static bool OnGlibc() =>
        OperatingSystem.IsLinux() && !RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase);
}
