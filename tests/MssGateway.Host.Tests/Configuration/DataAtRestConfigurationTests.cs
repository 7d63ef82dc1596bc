using System.Text.Json.Nodes;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Configuration;

/// <summary>
/// Issue 17 options through the real start-up: an encrypted spool or a journal without its key, or a
/// key file that is not one, stops the gateway with exit code 2 naming every failing key and its fix.
/// </summary>
public sealed class DataAtRestConfigurationTests
{
    private static async Task<string> StartupErrorsAsync(GatewayTestEnvironment env)
    {
        await using var gateway = await env.StartAsync(waitReady: false);
        Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        return gateway.Output;
    }

    [Fact]
    public async Task Encryption_and_journal_without_keys_stop_startup_naming_both_keys()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        env.Configuration["Spool"]!["Encryption"] = new JsonObject { ["Enabled"] = true };
        env.Configuration["Journal"] = new JsonObject { ["Enabled"] = true, ["CheckpointEveryRecords"] = 0 };
        var output = await StartupErrorsAsync(env);
        Assert.Contains("Gateway:Spool:Encryption:KeyFile is not set while Gateway:Spool:Encryption:Enabled is true", output, StringComparison.Ordinal);
        Assert.Contains("Gateway:Journal:SigningKeyFile is not set", output, StringComparison.Ordinal);
        Assert.Contains("Gateway:Journal:CheckpointEveryRecords", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_file_that_is_not_a_key_stops_startup_with_the_openssl_line()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        var bad = Path.Combine(env.WorkDirectory, "spool.key");
        await File.WriteAllTextAsync(bad, "not a key\n");
        env.Configuration["Spool"]!["Encryption"] = new JsonObject { ["Enabled"] = true, ["KeyFile"] = bad, ["PreviousKeyFiles"] = new JsonArray(Path.Combine(env.WorkDirectory, "gone.key")) };
        var output = await StartupErrorsAsync(env);
        Assert.Contains("Gateway:Spool:Encryption:KeyFile", output, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 32", output, StringComparison.Ordinal);
        Assert.Contains("Gateway:Spool:Encryption:PreviousKeyFiles:0", output, StringComparison.Ordinal);
    }
}
