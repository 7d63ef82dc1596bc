namespace MssGateway.Trust.Tests;

/// <summary>A clock the test moves by hand (only the wall-clock time is faked; timers use the real clock).</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
