using System.Globalization;
using MssGateway.Spool;

namespace MssGateway.Delivery.Tests;

/// <summary>The queue CLI on a live spool: what each verb does, and what it refuses while a delivery runs.</summary>
public sealed class QueueCommandTests
{
    private static async Task<(int Code, string Output)> RunAsync(DeliveryHarness h, params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var code = await h.Get<QueueCommand>().RunAsync(args, output, CancellationToken.None);
        return (code, output.ToString());
    }

    [Fact]
    public async Task List_and_show_print_envelopes_and_state_but_never_the_body()
    {
        await using var h = new DeliveryHarness([]);
        var id = await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@hopital-a.test", "x@hopital-a.test"], notifyParam: "FAILURE");

        var (code, list) = await RunAsync(h, "list");
        var (showCode, show) = await RunAsync(h, "show", id);

        Assert.Equal(0, code);
        Assert.Contains(id, list, StringComparison.Ordinal);
        Assert.Contains("incoming", list, StringComparison.Ordinal);
        Assert.Contains("-- 1 message(s)", list, StringComparison.Ordinal);
        Assert.Equal(0, showCode);
        Assert.Contains("<dr.durand@hopital-a.test> pending notify=FAILURE", show, StringComparison.Ordinal);
        Assert.Contains($"sender:       <{DeliveryHarness.Sender}>", show, StringComparison.Ordinal);
        Assert.DoesNotContain(SampleMessages.Subject, list + show, StringComparison.Ordinal);
        Assert.DoesNotContain("état stable", list + show, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Held_message_is_not_delivered_until_released()
    {
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(new() { ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture) });
        var id = await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@hopital-a.test"]);
        Assert.Equal(0, (await RunAsync(h, "hold", id)).Code);
        Assert.True(h.Spool.ReadState(id)!.Held);

        await h.StartAsync();
        var other = await h.SubmitAsync(SampleMessages.Clinical("other@x"), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.Spool.Locate(other) is null, "the other message");
        Assert.Equal(SpoolState.Hold, h.Spool.Locate(id)); // the scheduler left it alone

        Assert.Equal(0, (await RunAsync(h, "release", id)).Code);
        await h.WaitAsync(() => server.Transactions.Count == 2 && h.SpoolIsEmpty(), "the released message");
        Assert.Null(h.Spool.Locate(id));
    }

    [Fact]
    public async Task Retry_moves_a_deferred_message_back_in_line_at_once()
    {
        await using var server = new TestSmtpServer();
        var refuse = true;
        server.RcptReply = (_, _) => Volatile.Read(ref refuse) ? "451 4.3.0 later" : null;
        await using var h = new DeliveryHarness(new()
        {
            ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Delivery:RetrySchedule:0"] = "01:00:00", // without the CLI, the next attempt is an hour away
        });
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => h.Spool.Locate(id) == SpoolState.Deferred, "the deferral");
        Volatile.Write(ref refuse, false);

        var (code, output) = await RunAsync(h, "retry", id);

        Assert.Equal(0, code);
        Assert.Contains("queued for delivery now", output, StringComparison.Ordinal);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "delivery after retry");
    }

    [Fact]
    public async Task Delete_removes_a_waiting_message_but_refuses_one_being_delivered()
    {
        await using var h = new DeliveryHarness([]);
        var waiting = await h.SubmitAsync(SampleMessages.Clinical("a@x"), ["dr.durand@hopital-a.test"]);
        var busy = await h.SubmitAsync(SampleMessages.Clinical("b@x"), ["dr.durand@hopital-a.test"]);
        Assert.True(await h.Spool.MoveAsync(busy, SpoolState.Incoming, SpoolState.Active)); // as the scheduler does when it starts a delivery

        var deleted = await RunAsync(h, "delete", waiting);
        var refused = await RunAsync(h, "delete", busy);
        var held = await RunAsync(h, "hold", busy);
        var missing = await RunAsync(h, "show", "0000000000000000");

        Assert.Equal(0, deleted.Code);
        Assert.Null(h.Spool.Locate(waiting));
        Assert.Equal(QueueCommand.ExitBusy, refused.Code);
        Assert.Equal(QueueCommand.ExitBusy, held.Code);
        Assert.Equal(SpoolState.Active, h.Spool.Locate(busy));
        Assert.Equal(QueueCommand.ExitNotFound, missing.Code);
        Assert.Equal(QueueCommand.ExitUsage, (await RunAsync(h, "frobnicate")).Code);
    }
}
