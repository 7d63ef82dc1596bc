using Microsoft.Extensions.DependencyInjection;
using MssGateway.Delivery;
using MssGateway.Spool;

namespace MssGateway.DeliveryBench;

/// <summary>
/// Runs the scheduler over an existing spool until the process is killed or interrupted: the child
/// process of the crash test (SIGKILL mid-load, restart, count at the receiver).
/// </summary>
internal static class RunMode
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        var spool = new MessageSpool(args.Get("spool") ?? throw new ArgumentException("--spool is required"));
        var recovery = spool.Recover(); // what the host does before it starts listeners and the scheduler
        Console.WriteLine($"recovered messages={recovery.Messages} requeued={recovery.Requeued} temp_removed={recovery.TempFilesRemoved}");
        await using var services = DeliveryStack.Build(spool, args.Int("port", 25), args.Int("workers", 8));
        var scheduler = services.GetRequiredService<DeliveryScheduler>();
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        await scheduler.StartAsync(CancellationToken.None);
        Console.WriteLine("scheduler running");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Interrupted: stop cleanly.
        }

        await scheduler.StopAsync(CancellationToken.None);
        return 0;
    }
}
