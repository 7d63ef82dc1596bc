using System.Text.Json.Nodes;
using MssGateway.Journal;

namespace MssGateway.Host.Tests.Durability;

/// <summary>
/// Issue 17, one writer per journal chain: a second gateway started with the same
/// <c>Gateway:InstanceName</c> on the same journal is refused at start (exit 2, the instance, the pid that
/// holds it and the fix named) before it touches the spool or the journal; once the first is killed with
/// SIGKILL, the kernel has dropped its lock and the next one starts, continuing the chain.
/// </summary>
public sealed class JournalSingleWriterTests
{
    [Fact]
    public async Task A_second_gateway_on_the_same_instance_is_refused_and_starts_once_the_first_was_sigkilled()
    {
        using var first = await GatewayTestEnvironment.CreateAsync();
        using var second = await GatewayTestEnvironment.CreateAsync();
        var key = Path.Combine(first.WorkDirectory, "journal.key");
        JournalSigner.Generate(key).Dispose();
        var journal = Path.Combine(first.WorkDirectory, "journal");
        foreach (var env in new[] { first, second })
        {
            env.Configuration["InstanceName"] = "mssgw-0";
            env.Configuration["Journal"] = new JsonObject { ["Enabled"] = true, ["SigningKeyFile"] = key, ["Path"] = journal };
        }

        var running = await first.StartAsync();
        var before = File.ReadAllText(JournalFiles.List(Path.Combine(journal, "mssgw-0")).Single());
        await using (var refused = await second.StartAsync(waitReady: false))
        {
            Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("configuration error(s), not starting", refused.Output, StringComparison.Ordinal);
            Assert.Contains("the journal of instance 'mssgw-0'", refused.Output, StringComparison.Ordinal);
            Assert.Contains($"pid {running.ProcessId} ", refused.Output, StringComparison.Ordinal);
            Assert.Contains("Gateway:InstanceName", refused.Output, StringComparison.Ordinal);
        }

        Assert.Equal(before, File.ReadAllText(JournalFiles.List(Path.Combine(journal, "mssgw-0")).Single())); // not a byte from the refused one

        await running.KillAsync();
        await running.DisposeAsync();
        await using (var next = await second.StartAsync())
        {
            Assert.Equal(0, await next.StopAsync());
        }

        using var publicKey = JournalSigner.Load(key);
        var verification = JournalVerifier.Verify(Path.Combine(journal, "mssgw-0"), [publicKey]);
        Assert.True(verification.Ok, verification.FirstFault?.ToString());
    }
}
