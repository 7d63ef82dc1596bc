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
}
