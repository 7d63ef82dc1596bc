namespace MssGateway.Delivery.Tests;

/// <summary>The concurrency window of one destination, as Postfix's scheduler keeps it: slow start, negative feedback, failed cohorts, dead and back.</summary>
public sealed class DestinationWindowTests
{
    private static readonly DeliveryOptions Options = new() { InitialConcurrency = 3, ConcurrencyPerDestination = 5, FailedCohortLimit = 1, DeadDestinationRetry = TimeSpan.FromMinutes(1) };
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DeliveryReply Refused = new(451, "4.4.1", "connect_failed: refused");

    [Fact]
    public void The_window_grows_by_one_after_as_many_successes_as_its_size_and_stops_at_the_limit()
    {
        var d = new Destination("internal", null, Options);
        Assert.Equal(3, d.Limit);
        for (var i = 0; i < 3; i++)
        {
            d.Succeeded(Options);
        }

        Assert.Equal(4, d.Limit);
        for (var i = 0; i < 100; i++)
        {
            d.Succeeded(Options);
        }

        Assert.Equal(5, d.Limit);
    }

    [Fact]
    public void Each_connection_failure_shrinks_the_window_and_a_failed_cohort_makes_the_destination_dead()
    {
        var d = new Destination("internal", null, Options);
        Assert.False(d.Failed(Refused, Now, Options));
        Assert.Equal(2, d.Limit);
        Assert.False(d.Failed(Refused, Now, Options));
        Assert.True(d.Failed(Refused, Now, Options)); // three in a row: the cohort of the window of three

        Assert.True(d.IsDead);
        Assert.Equal(0, d.Limit);
        Assert.False(d.ProbeDue(Now.AddSeconds(59)));
        Assert.True(d.ProbeDue(Now.AddSeconds(60)));
        Assert.Equal(Refused, d.DeadReply);
    }

    [Fact]
    public void A_success_between_failures_starts_the_count_again()
    {
        var d = new Destination("internal", null, Options);
        d.Failed(Refused, Now, Options);
        d.Failed(Refused, Now, Options);
        d.Succeeded(Options);
        Assert.False(d.Failed(Refused, Now, Options));
        Assert.False(d.IsDead);
    }

    [Fact]
    public void Failed_probes_double_the_wait_up_to_the_longest_retry_and_a_successful_one_revives_at_the_initial_window()
    {
        var d = new Destination("internal", null, Options);
        for (var i = 0; i < 3; i++)
        {
            d.Failed(Refused, Now, Options);
        }

        d.Probing = true;
        d.Failed(Refused, Now, Options);
        Assert.Equal(TimeSpan.FromMinutes(2), d.Backoff);
        for (var i = 0; i < 10; i++)
        {
            d.Failed(Refused, Now, Options);
        }

        Assert.Equal(Options.MaxRetryDelay, d.Backoff);
        Assert.True(d.Succeeded(Options));
        Assert.False(d.IsDead);
        Assert.Equal(3, d.Limit);
    }
}
