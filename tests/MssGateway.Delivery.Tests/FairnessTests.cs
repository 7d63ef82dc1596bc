using System.Globalization;

namespace MssGateway.Delivery.Tests;

/// <summary>Per-destination windows and fairness (issue 13 §2): one slow peer never starves the others; the window starts small and grows.</summary>
public sealed class FairnessTests(TestPki pki) : IClassFixture<TestPki>
{
    [Fact]
    public async Task A_slow_peer_with_a_backlog_does_not_hold_back_a_fast_one()
    {
        await using var slow = new TestSmtpServer { DataDelay = TimeSpan.FromSeconds(2) };
        await using var fast = new TestSmtpServer(pki.Peer);
        await using var h = new DeliveryHarness(
            new()
            {
                ["Gateway:Delivery:InternalNextHop:Port"] = slow.Port.ToString(CultureInfo.InvariantCulture),
                ["Gateway:Delivery:TransportMap:operateur-b.test"] = "127.0.0.1:" + fast.Port.ToString(CultureInfo.InvariantCulture),
                ["Gateway:Delivery:MaxConcurrentDeliveries"] = "4",
                ["Gateway:Delivery:ConcurrencyPerDestination"] = "4",
                ["Gateway:Delivery:InitialConcurrency"] = "4",
            },
            pki);
        for (var i = 0; i < 24; i++)
        {
            await h.SubmitAsync(SampleMessages.Clinical($"slow-{i}@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        }

        await h.StartAsync();
        await h.WaitAsync(() => slow.MaxConcurrent == 4, "the slow peer to hold every slot");
        for (var i = 0; i < 10; i++)
        {
            await h.SubmitAsync(SampleMessages.Clinical($"fast-{i}@hopital-a.test"), ["dr.durand@operateur-b.test"]);
        }

        await h.WaitAsync(() => fast.Transactions.Count == 10, "the fast peer's messages", 60);
        var slowDone = slow.Transactions.Count;

        // The slow peer needs 6 rounds of 2 s for its 24: the fast one got the slots it freed long before.
        Assert.InRange(slowDone, 0, 16);
        await h.WaitAsync(() => slow.Transactions.Count == 24 && h.SpoolIsEmpty(), "the slow backlog", 90);
    }

    [Fact]
    public async Task The_window_starts_at_the_initial_concurrency_and_grows_to_the_limit_as_deliveries_succeed()
    {
        await using var server = new TestSmtpServer { DataDelay = TimeSpan.FromMilliseconds(100) };
        var firstWave = 0;
        server.RcptReply = (_, _) =>
        {
            if (server.Transactions.IsEmpty)
            {
                // Connections in a transaction before any delivery has succeeded: the initial window.
                Volatile.Write(ref firstWave, Math.Max(Volatile.Read(ref firstWave), server.MaxConcurrent));
            }

            return null;
        };
        await using var h = new DeliveryHarness(new()
        {
            ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Delivery:MaxConcurrentDeliveries"] = "16",
            ["Gateway:Delivery:ConcurrencyPerDestination"] = "6",
            ["Gateway:Delivery:InitialConcurrency"] = "2",
        });
        for (var i = 0; i < 60; i++)
        {
            await h.SubmitAsync(SampleMessages.Clinical($"window-{i}@hopital-a.test"), ["dr.durand@hopital-a.test"]);
        }

        await h.StartAsync();
        await h.WaitAsync(() => server.Transactions.Count == 60 && h.SpoolIsEmpty(), "all sixty", 60);

        Assert.InRange(firstWave, 1, 2); // slow start: two connections before any success
        Assert.InRange(server.MaxConcurrent, 3, 6); // grew, never past the limit
        Assert.InRange(server.Connections, 3, 6);
    }
}
