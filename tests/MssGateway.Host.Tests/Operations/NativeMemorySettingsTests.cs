using System.Text.Json;
using MssGateway.Testing;
using static MssGateway.Host.Tests.EndToEnd.EndToEndMail;

namespace MssGateway.Host.Tests.Operations;

/// <summary>
/// glibc's malloc arenas are fixed before any managed code runs, so the gateway cannot bound them
/// itself: what ships sets <c>MALLOC_ARENA_MAX=2</c> (the image, the chart, ./run.sh), and a gateway
/// started without it says so at start (event 12, MallocArenasUnbounded).
/// </summary>
public sealed class NativeMemorySettingsTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();

    [Fact]
    public void Glibc_without_an_arena_limit_is_unbounded()
    {
        Assert.True(NativeMemorySettings.ArenasUnbounded(Env(), onGlibc: true));
        Assert.True(NativeMemorySettings.ArenasUnbounded(Env(("MALLOC_ARENA_MAX", " ")), onGlibc: true));
        Assert.True(NativeMemorySettings.ArenasUnbounded(Env(("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=131072")), onGlibc: true));
    }

    [Fact]
    public void The_variable_or_the_glibc_tunable_bounds_the_arenas()
    {
        Assert.False(NativeMemorySettings.ArenasUnbounded(Env(("MALLOC_ARENA_MAX", "2")), onGlibc: true));
        Assert.False(NativeMemorySettings.ArenasUnbounded(Env(("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=4")), onGlibc: true));
    }

    [Fact]
    public void Another_c_library_is_not_judged()
    {
        Assert.False(NativeMemorySettings.ArenasUnbounded(Env(), onGlibc: false));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("2", false)]
    public async Task A_gateway_started_without_the_arena_limit_warns_once_at_start(string arenaMax, bool warns)
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        await using var gateway = await env.StartAsync(environment: new Dictionary<string, string> { [NativeMemorySettings.ArenaVariable] = arenaMax });
        // The warning is written before the Started event (8), by the same logger.
        Assert.True(await EventuallyAsync(() => gateway.StdOutLines.Any(l => l.Contains("\"EventId\":8,", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)), "no Started event:\n" + gateway.Output);

        var events = gateway.StdOutLines
            .Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
        var warnings = events.Where(e => e.GetProperty("EventId").GetInt32() == 12).ToList();
        if (warns)
        {
            var warning = Assert.Single(warnings);
            Assert.Equal("Warning", warning.GetProperty("LogLevel").GetString());
            Assert.Contains("MALLOC_ARENA_MAX=2", warning.GetProperty("Message").GetString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(warnings);
        }
    }
}
