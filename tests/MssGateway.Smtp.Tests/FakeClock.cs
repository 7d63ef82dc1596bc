using Microsoft.Extensions.Time.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>Drives a FakeTimeProvider while the server works over real sockets.</summary>
public static class FakeClock
{
    /// <summary>
    /// Advances the clock by <paramref name="step"/> until <paramref name="task"/> completes (the server arms
    /// its deadline when it starts waiting, which the test cannot see: small steps make the order harmless).
    /// Returns the fake time that had to pass.
    /// </summary>
    public static async Task<TimeSpan> AdvanceUntilAsync(this FakeTimeProvider clock, Task task, TimeSpan step, int maxSteps = 400)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(task);
        var start = clock.GetUtcNow();
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            await Task.WhenAny(task, Task.Delay(25));
            if (!task.IsCompleted)
            {
                clock.Advance(step);
            }
        }

        await task;
        return clock.GetUtcNow() - start;
    }

    /// <summary>
    /// Moves the clock by <paramref name="total"/> in steps shorter than any flush timeout, letting the
    /// server run between them: a reply the client has already read may still be a flush in progress on the
    /// server, and one jump past the flush timeout would cut a client that did nothing wrong.
    /// </summary>
    public static async Task AdvanceGentlyAsync(this FakeTimeProvider clock, TimeSpan total)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var step = TimeSpan.FromSeconds(20);
        for (var left = total; left > TimeSpan.Zero; left -= step)
        {
            await Task.Delay(15);
            clock.Advance(left < step ? left : step);
        }
    }
}
