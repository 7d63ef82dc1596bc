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
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!gateway.HasExited)
        {
            await Task.Delay(100, cts.Token);
        }

        Assert.Equal(2, gateway.ExitCode);
        Assert.Contains(expectedKey, gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listener_with_an_invalid_name_is_refused()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        env.Configuration["Listeners"]![0]!["Name"] = "bad name!";
        await using var gateway = await env.StartAsync(waitReady: false);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!gateway.HasExited)
        {
            await Task.Delay(100, cts.Token);
        }

        Assert.Equal(2, gateway.ExitCode);
        Assert.Contains("Gateway:Listeners:0:Name", gateway.Output, StringComparison.Ordinal);
    }
}
