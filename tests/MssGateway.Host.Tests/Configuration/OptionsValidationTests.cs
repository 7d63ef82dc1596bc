using System.Text.Json.Nodes;

namespace MssGateway.Host.Tests.Configuration;

/// <summary>
/// Issue 14, one options model: every options class is bound with <c>BindConfiguration</c>, validated on start
/// by its <c>IValidateOptions</c>, and a bad configuration stops start-up with exit code 2 naming <b>every</b>
/// failure by its full key — two independent mistakes in one section are both named in one start, and a
/// mistake in one section does not hide one in another. No stack trace, no crash (exit 134) on the way.
/// </summary>
public sealed class OptionsValidationTests
{
    public static TheoryData<string, string[], string[]> TwoMistakes => new()
    {
        { "spool", ["Spool:Path=", "Spool:MinimumFreeBytes=-1", "Spool:RecycledFiles=5000"], ["Gateway:Spool:Path is empty", "Gateway:Spool:MinimumFreeBytes -1 is negative", "Gateway:Spool:RecycledFiles 5000 is out of range"] },
        { "smtp limits", ["Smtp:Limits:MaxRecipients=0", "Smtp:Limits:MaxCommandLineLength=100"], ["Gateway:Smtp:Limits:MaxRecipients must be at least 1", "Gateway:Smtp:Limits:MaxCommandLineLength must be at least 512"] },
        { "listeners", ["Listeners:0:Port=0", "Listeners:1:Address=not-an-address", "Listeners:2:ProxyProtocol=true"], ["Gateway:Listeners:0:Port 0 is out of range", "Gateway:Listeners:1:Address 'not-an-address' is not an IP address", "Gateway:Listeners:2:ProxyProtocolTrustedNetworks is empty"] },
        { "dev maildir outside dev mode", ["DevMaildir:Path=/tmp/mssgw-maildir", "DevMaildir:Address=10.0.0.1"], ["Gateway:DevMaildir:Path is for dev mode only", "Gateway:DevMaildir:Address '10.0.0.1' is not a loopback address", "Gateway:DevMaildir:Path needs delivery"] },
        { "trust", ["Trust:MaxPathLength=0", "Trust:VerdictCacheSize=-1"], ["Gateway:Trust:MaxPathLength = 0 is out of range", "Gateway:Trust:VerdictCacheSize = -1 is negative"] },
        { "policy", ["Policy:MaxMimeDepth=1", "Policy:MaxHeaderBytes=10"], ["Gateway:Policy:MaxMimeDepth is 1", "Gateway:Policy:MaxHeaderBytes is 10"] },
        { "delivery", ["Delivery:Enabled=true", "Delivery:RemotePort=0", "Delivery:RetryJitter=5"], ["Gateway:Delivery:RemotePort is 0", "Gateway:Delivery:RetryJitter is 5"] },
        { "redis directory", ["Directory:Kind=Redis", "Directory:Redis:PasswordFile=/nonexistent/redis-password"], ["Gateway:Directory:Redis:Configuration is empty", "Gateway:Directory:Redis:PasswordFile '/nonexistent/redis-password' does not exist"] },
        { "read-ahead", ["Smtp:Limits:MaxReadBufferSize=1024", "Smtp:Limits:MaxErrors=0"], ["Gateway:Smtp:Limits:MaxReadBufferSize must be at least 4096", "Gateway:Smtp:Limits:MaxErrors must be at least 1"] },
        { "penalties", ["Smtp:Limits:PenaltyExemptNetworks:0=10.0.0.0/33", "Smtp:Limits:PenaltyTarpit=01:00:00"], ["Gateway:Smtp:Limits:PenaltyExemptNetworks:0 \"10.0.0.0/33\" is not a CIDR block", "Gateway:Smtp:Limits:PenaltyTarpit must be between"] },
        { "several sections", ["Spool:MinimumFreeBytes=-1", "Trust:MaxPathLength=0", "Smtp:Limits:MaxErrors=0", "Policy:MaxMimeDepth=1"], ["Gateway:Spool:MinimumFreeBytes", "Gateway:Trust:MaxPathLength", "Gateway:Smtp:Limits:MaxErrors", "Gateway:Policy:MaxMimeDepth"] },
    };

    [Theory]
    [MemberData(nameof(TwoMistakes))]
    public async Task Every_mistake_is_named_by_its_full_key_in_one_failed_start(string what, string[] settings, string[] expected)
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        foreach (var setting in settings)
        {
            var (key, value) = (setting[..setting.IndexOf('=', StringComparison.Ordinal)], setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            Set(env.Configuration, key, value);
        }

        await using var gateway = await env.StartAsync(waitReady: false);
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(gateway.ExitCode == 2, $"{what}: exit code {gateway.ExitCode}: {gateway.Output}");
        Assert.Contains("mssgw: configuration error(s), not starting:", gateway.Output, StringComparison.Ordinal);
        foreach (var failure in expected)
        {
            Assert.Contains(failure, gateway.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Unhandled exception", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>Issue 14's leftover: Kestrel resolved the SMTP engine (hence the trust engine) while the host was built, so a bad Gateway:Trust value was an unhandled exception (exit 134).</summary>
    [Fact]
    public async Task A_bad_trust_value_is_a_configuration_error_not_a_crash()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        Set(env.Configuration, "Trust:MaxPathLength", "0");
        await using var gateway = await env.StartAsync(waitReady: false);
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(gateway.ExitCode == 2, $"exit code {gateway.ExitCode}: {gateway.Output}");
        Assert.Contains("  - Gateway:Trust:MaxPathLength = 0 is out of range: use 1 to 20", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("OptionsValidationException", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>The same classes, bound with valid values other than their defaults, still start (and the gateway is ready).</summary>
    [Fact]
    public async Task A_valid_configuration_of_every_converted_section_starts()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        Set(env.Configuration, "Spool:MinimumFreeBytes", "0");
        Set(env.Configuration, "Spool:Sync", "PerFile");
        Set(env.Configuration, "Smtp:Limits:MaxRecipients", "200");
        Set(env.Configuration, "Smtp:Limits:CommandTimeout", "00:02:00");
        Set(env.Configuration, "Listeners:0:MaxConcurrentSessions", "10");
        Set(env.Configuration, "Trust:MaxPathLength", "5");
        Set(env.Configuration, "Policy:MaxMimeDepth", "16");
        await using var gateway = await env.StartAsync(waitReady: true);

        Assert.False(gateway.HasExited, gateway.Output);
        Assert.DoesNotContain("configuration error", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>Sets KEY (below "Gateway", ':'-separated, list indexes allowed) to VALUE: a number when it reads as one.</summary>
    private static void Set(JsonObject root, string key, string value)
    {
        var parts = key.Split(':');
        JsonNode node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            var next = node is JsonArray array ? array[int.Parse(parts[i], System.Globalization.CultureInfo.InvariantCulture)] : node[parts[i]];
            if (next is null)
            {
                next = new JsonObject();
                ((JsonObject)node)[parts[i]] = next;
            }

            node = next;
        }

        JsonNode leaf = long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) ? JsonValue.Create(n) : JsonValue.Create(value);
        if (node is JsonArray list)
        {
            list[int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture)] = leaf;
        }
        else
        {
            node[parts[^1]] = leaf;
        }
    }
}
