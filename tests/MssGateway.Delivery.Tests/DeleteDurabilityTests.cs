using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MssGateway.Spool;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// The crash the batched delete durability opens (issue 13, CPU per message): the next hop answered 250,
/// the pass unlinked the message, and the machine lost power before the barrier made the unlink
/// durable. On the disk as it comes back the message is still there (in <c>active/</c>, or in
/// <c>incoming/</c> if its claim was lost too), and so is its state file, which the barrier removes only
/// after its fsync. The restarted gateway delivers it once more, to the recipients its state still has
/// pending: a duplicate in RFC 5321's window, never a loss, never a second copy to a recipient an
/// earlier attempt had already reached. (A process crash, SIGKILL, loses nothing: the unlinks are in the
/// kernel; <see cref="CrashRecoveryTests"/> kills the scheduler mid-load with the default interval.)
/// </summary>
public sealed class DeleteDurabilityTests
{
    private static Dictionary<string, string?> Settings(TestSmtpServer server, string? deleteSyncInterval = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
        };
        if (deleteSyncInterval is not null)
        {
            settings["Gateway:Delivery:DeleteSyncInterval"] = deleteSyncInterval;
            settings["Gateway:Delivery:PollInterval"] = "01:00:00"; // the first gateway must not see the disk it "lost"
        }

        return settings;
    }

    [Fact]
    public async Task A_power_loss_before_the_delete_barrier_re_delivers_the_message_once_with_its_state_and_loses_nothing()
    {
        await using var server = new TestSmtpServer();
        var frozen = new FakeTimeProvider(DateTimeOffset.UtcNow); // the first gateway's barrier never comes: the power goes first
        await using var first = new DeliveryHarness(Settings(server, "00:00:01"), configure: s => s.AddSingleton<TimeProvider>(frozen));

        // m1: two recipients, "earlier" reached by an earlier attempt (its state says so), "now" still pending.
        var m1 = await first.SubmitAsync(SampleMessages.Clinical("m1@hopital-a.test"), ["earlier@hopital-a.test", "now@hopital-a.test"]);
        await first.Spool.WriteStateAsync(
            new SpoolDeliveryState
            {
                QueueId = m1, Attempts = 1,
                Recipients =
                [
                    new RecipientState { Address = "earlier@hopital-a.test", Status = RecipientStatus.Delivered },
                    new RecipientState { Address = "now@hopital-a.test", Status = RecipientStatus.Pending },
                ],
            },
            CancellationToken.None);
        var m2 = await first.SubmitAsync(SampleMessages.Clinical("m2@hopital-a.test"), ["other@hopital-a.test"]);
        // The files as the disk holds them before any unlink is durable.
        var image = new[] { m1, m2 }.ToDictionary(id => id, id => File.ReadAllBytes(first.Spool.PathOf(SpoolState.Incoming, id)));
        var stateOfM1 = Path.Combine(first.Spool.StateDirectory, m1 + ".json");

        await first.StartAsync();
        await first.WaitAsync(() => server.Transactions.Count == 2 && first.SpoolIsEmpty(), "both messages delivered");

        var barrier = first.Get<MessageDelivery>().Deletes;
        Assert.Equal(2, barrier.Pending); // unlinked, not yet durable
        Assert.True(File.Exists(stateOfM1)); // kept until the barrier
        Assert.Equal(["now@hopital-a.test"], RecipientsOf(server, "m1@hopital-a.test").Single());

        // The power goes. What comes back: m1 in active/ (its claim had reached the disk), m2 in incoming/ (not even that).
        File.WriteAllBytes(first.Spool.PathOf(SpoolState.Active, m1), image[m1]);
        File.WriteAllBytes(first.Spool.PathOf(SpoolState.Incoming, m2), image[m2]);

        await using var second = new DeliveryHarness(Settings(server), spoolRoot: first.Spool.Root);
        var recovery = second.Spool.Recover();
        Assert.Equal(1, recovery.Requeued);
        Assert.Equal(0, recovery.OrphanStatesRemoved); // m1's state has its message again
        await second.StartAsync();
        await second.WaitAsync(
            () => server.Transactions.Count == 4 && second.SpoolIsEmpty() && second.Get<MessageDelivery>().Deletes.Pending == 0 && !File.Exists(stateOfM1),
            "both delivered again after the restart");

        // Each at most once more, nobody lost; "earlier" never receives a copy from this pass or the next.
        Assert.Equal(2, RecipientsOf(server, "m1@hopital-a.test").Count);
        Assert.All(RecipientsOf(server, "m1@hopital-a.test"), r => Assert.Equal(["now@hopital-a.test"], r));
        Assert.Equal(2, RecipientsOf(server, "m2@hopital-a.test").Count);
        Assert.DoesNotContain(server.Transactions, t => t.RcptTo.Any(r => r.Contains("earlier@", StringComparison.Ordinal)));
        Assert.Null(second.Spool.Locate(m1));
        Assert.Null(second.Spool.Locate(m2));
    }

    [Fact]
    public async Task Stopping_the_gateway_makes_its_last_deletes_durable_before_it_exits()
    {
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(Settings(server, "00:00:01"), configure: s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow)));
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical("stop@hopital-a.test"), ["a@hopital-a.test", "b@hopital-a.test"], notify: false);
        await h.Spool.WriteStateAsync(
            new SpoolDeliveryState
            {
                QueueId = id, Attempts = 1,
                Recipients = [new RecipientState { Address = "a@hopital-a.test", Status = RecipientStatus.Pending }, new RecipientState { Address = "b@hopital-a.test", Status = RecipientStatus.Pending }],
            },
            CancellationToken.None);
        h.Scheduler.Notify(id);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "delivered");
        Assert.Equal(1, h.Get<MessageDelivery>().Deletes.Pending);

        await h.Scheduler.StopAsync(CancellationToken.None);

        Assert.Equal(0, h.Get<MessageDelivery>().Deletes.Pending);
        Assert.False(File.Exists(Path.Combine(h.Spool.StateDirectory, id + ".json")));
    }

    /// <summary>The accepted RCPT addresses of each transaction that carried the message with this Message-ID.</summary>
    private static List<string[]> RecipientsOf(TestSmtpServer server, string messageId) =>
        server.Transactions.Where(t => t.Text.Contains($"Message-ID: <{messageId}>", StringComparison.Ordinal))
            .Select(t => t.RcptTo.Select(r => r[(r.IndexOf('<') + 1)..r.IndexOf('>')]).ToArray())
            .ToList();
}
