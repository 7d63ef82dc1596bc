using System.Text.Json.Nodes;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Configuration;

/// <summary>A bad configuration stops start-up with exit code 2 and a message naming the key and the fix.</summary>
public sealed class ConfigurationErrorTests
{
    [Theory]
    [InlineData("Tls", "CertificateFile", "/nonexistent/cert.pem", "Gateway:Tls:CertificateFile")]
    [InlineData("Http", "Port", "70000", "Gateway:Http")]
    [InlineData("Logging", "Format", "Xml", "Gateway:Logging:Format")]
    [InlineData("Directory", "File", "/nonexistent/directory.json", "Gateway:Directory:File")]
    [InlineData("Spool", "Sync", "Bogus", "Gateway:Spool:Sync: 'Bogus' is not valid; set it to one of GroupCommit, PerFile.")]
    [InlineData("Spool", "MinimumFreeBytes", "lots", "Gateway:Spool:MinimumFreeBytes: 'lots' is not valid")]
    public async Task A_bad_value_stops_startup_naming_its_key(string section, string key, string value, string expectedKey)
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        env.Configuration[section]![key] = int.TryParse(value, out var n) ? JsonValue.Create(n) : JsonValue.Create(value);
        await using var gateway = await env.StartAsync(waitReady: false);
        // WaitForExitAsync also waits for the redirected output to drain (polling HasExited did not: a race).
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, gateway.ExitCode);
        Assert.Contains(expectedKey, gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listener_with_an_invalid_name_is_refused()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        env.Configuration["Listeners"]![0]!["Name"] = "bad name!";
        await using var gateway = await env.StartAsync(waitReady: false);
        // WaitForExitAsync also waits for the redirected output to drain (polling HasExited did not: a race).
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, gateway.ExitCode);
        Assert.Contains("Gateway:Listeners:0:Name", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>Issue 14: a key in the wrong section used to start and do nothing; it now stops start-up naming the key it meant.</summary>
    [Fact]
    public async Task A_key_in_the_wrong_section_stops_startup_naming_the_nearest_key()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        env.Configuration["Routing"] = new JsonObject { ["LocalDomains"] = new JsonArray("hopital.mssante.test") };
        var output = await ExitOutputAsync(env.StartAsync(waitReady: false));

        Assert.Contains("Gateway:Routing:LocalDomains (set in ", output, StringComparison.Ordinal);
        Assert.Contains("did you mean Gateway:Delivery:LocalDomains?", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_key_from_an_environment_variable_stops_startup()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        var output = await ExitOutputAsync(env.StartAsync(waitReady: false, environment: new Dictionary<string, string> { ["Gateway__Routing__LocalDomains__0"] = "hopital.mssante.test" }));

        Assert.Contains("Gateway:Routing:LocalDomains (set by environment variable Gateway__Routing__LocalDomains__0)", output, StringComparison.Ordinal);
        Assert.Contains("did you mean Gateway:Delivery:LocalDomains?", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_key_on_the_command_line_stops_startup()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        var output = await ExitOutputAsync(env.StartAsync(waitReady: false, arguments: ["--Gateway:Trust:Revocation:CacheDirectry=/tmp/crl"]));

        Assert.Contains("Gateway:Trust:Revocation:CacheDirectry (set on the command line", output, StringComparison.Ordinal);
        Assert.Contains("did you mean Gateway:Trust:Revocation:CacheDirectory?", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_enum_value_names_the_key_and_the_accepted_values()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        env.Configuration["Tls"]!["MinimumProtocol"] = "Tls11";
        var output = await ExitOutputAsync(env.StartAsync(waitReady: false));

        Assert.Contains("Gateway:Tls:MinimumProtocol: 'Tls11' is not valid; set it to one of Tls12, Tls13.", output, StringComparison.Ordinal);
    }

    /// <summary>Waits for the gateway to exit, checks the exit code is 2 and returns what it wrote.</summary>
    private static async Task<string> ExitOutputAsync(Task<GatewayProcess> starting)
    {
        await using var gateway = await starting;
        // WaitForExitAsync also waits for the redirected output to drain (polling HasExited did not: a race).
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(gateway.ExitCode == 2, $"exit code {gateway.ExitCode}: {gateway.Output}");
        return gateway.Output;
    }
}
