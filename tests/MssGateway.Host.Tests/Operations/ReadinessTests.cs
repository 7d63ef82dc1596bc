using System.Net;
using System.Text.Json;

namespace MssGateway.Host.Tests.Operations;

/// <summary>Issue 7.2: /readyz names each check and follows the directory and the spool.</summary>
public sealed class ReadinessTests
{
    private static bool Check(JsonDocument body, string name) =>
        body.RootElement.GetProperty("checks").GetProperty(name).GetProperty("ok").GetBoolean();

    [Fact]
    public async Task Readyz_turns_503_when_the_directory_file_becomes_invalid_and_200_when_it_is_fixed()
    {
        await using var gateway = await GatewayProcess.StartAsync();
        var ready = await gateway.WaitForReadyzAsync((status, _) => status == HttpStatusCode.OK);
        Assert.Equal("ready", ready.RootElement.GetProperty("status").GetString());
        Assert.Equal(["directory", "draining", "listeners", "spool", "trust"], ready.RootElement.GetProperty("checks").EnumerateObject().Select(p => p.Name).ToArray());
        var good = await File.ReadAllTextAsync(gateway.DirectoryFile);

        await File.WriteAllTextAsync(gateway.DirectoryFile, "{ this is not json");
        var broken = await gateway.WaitForReadyzAsync((status, _) => status == HttpStatusCode.ServiceUnavailable);
        Assert.Equal("not_ready", broken.RootElement.GetProperty("status").GetString());
        Assert.False(Check(broken, "directory"));
        Assert.True(Check(broken, "spool"));

        await File.WriteAllTextAsync(gateway.DirectoryFile, good);
        var fixedAgain = await gateway.WaitForReadyzAsync((status, _) => status == HttpStatusCode.OK);
        Assert.True(Check(fixedAgain, "directory"));
    }

    [Fact]
    public async Task Readyz_is_503_while_spool_free_space_is_under_the_minimum_and_mail_is_deferred()
    {
        await using var gateway = await GatewayProcess.StartAsync(g => g["Spool"]!["MinimumFreeBytes"] = long.MaxValue / 2);
        var body = await gateway.WaitForReadyzAsync((status, _) => status == HttpStatusCode.ServiceUnavailable);
        Assert.False(Check(body, "spool"));
        Assert.True(Check(body, "directory"));
        Assert.Contains("low space", body.RootElement.GetProperty("checks").GetProperty("spool").GetProperty("detail").GetString(), StringComparison.Ordinal);
        var metrics = await gateway.MetricsTextAsync();
        Assert.Contains("mssgw_readiness_check{check=\"spool\"} 0", metrics, StringComparison.Ordinal);
        var reply = await TestMail.SendAsync(gateway, TestMail.Recipient, "s", "b");
        Assert.Contains("refused", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_is_503_when_the_directory_is_older_than_DirectoryMaxAge_and_200_after_a_reload()
    {
        await using var gateway = await GatewayProcess.StartAsync(g => g["Health"] = new System.Text.Json.Nodes.JsonObject { ["DirectoryMaxAge"] = "00:00:03" });
        var stale = await gateway.WaitForReadyzAsync((status, _) => status == HttpStatusCode.ServiceUnavailable);
        Assert.False(Check(stale, "directory"));
        Assert.StartsWith("stale", stale.RootElement.GetProperty("checks").GetProperty("directory").GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A new version of the file is a new "sync": the directory is fresh again.
        await File.WriteAllTextAsync(gateway.DirectoryFile, await File.ReadAllTextAsync(gateway.DirectoryFile) + "\n");
        var fresh = await gateway.WaitForReadyzAsync((status, _) => status == HttpStatusCode.OK);
        Assert.True(Check(fresh, "directory"));
    }
}
