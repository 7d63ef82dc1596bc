using Microsoft.Extensions.DependencyInjection;

namespace MssGateway.Delivery.Tests;

/// <summary>What a bug or a broken next hop must not do: take a worker down, or keep a message looping for ever.</summary>
public sealed class RobustnessTests
{
    [Fact]
    public async Task Message_whose_delivery_keeps_throwing_still_expires_with_one_DSN_and_the_workers_live_on()
    {
        var transport = new ThrowingForOneSender("poison@hopital-a.test");
        await using var h = new DeliveryHarness(
            new() { ["Gateway:Delivery:MaxLifetime"] = "00:00:02", ["Gateway:Delivery:MaxConcurrentDeliveries"] = "1" },
            configure: s => s.AddSingleton<INextHopTransport>(transport));
        await h.StartAsync();
        var poison = await h.SubmitAsync(SampleMessages.Clinical("p@x"), ["dr.durand@hopital-a.test"], sender: "poison@hopital-a.test");

        await h.WaitAsync(() => h.Spool.Locate(poison) is null, "the poison message to expire", 30);
        var healthy = await h.SubmitAsync(SampleMessages.Clinical("h@x"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => h.SpoolIsEmpty(), "the DSN and the next message (one worker only)", 30);

        Assert.Null(h.Spool.Locate(healthy));
        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=failed}"));
        Assert.Contains(transport.Delivered, s => s.Length == 0); // the DSN (null sender) went out
        Assert.Contains(h.Logs, l => l.StartsWith("DeliveryCrashed", StringComparison.Ordinal));
    }

    /// <summary>A transport with a bug that shows for one sender only.</summary>
    internal sealed class ThrowingForOneSender(string poisonSender) : INextHopTransport
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Delivered { get; } = new();

        public Task<NextHopResult> DeliverAsync(NextHopDelivery delivery, CancellationToken ct)
        {
            if (delivery.Message.Envelope.Sender == poisonSender)
            {
                throw new InvalidOperationException("simulated bug");
            }

            Delivered.Enqueue(delivery.Message.Envelope.Sender);
            var ok = delivery.Recipients.Select(r => new RecipientOutcome(r.Address, RecipientResult.Delivered, new DeliveryReply(250, "2.0.0", "ok"), "test", true, true)).ToList();
            return Task.FromResult(new NextHopResult(ok, NextHopFeedback.Success));
        }
    }
}
