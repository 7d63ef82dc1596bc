using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>The per-client connection rate: a sliding window on the engine's clock, with a table that stays bounded.</summary>
public sealed class ClientConnectionRateTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.1");

    [Fact]
    public void Connections_over_the_rate_are_refused_and_allowed_again_as_the_window_slides()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var rate = new ClientConnectionRate(clock, 10, TimeSpan.FromMinutes(1));
        for (var i = 0; i < 10; i++)
        {
            Assert.True(rate.TryAcquire(Client));
        }

        Assert.False(rate.TryAcquire(Client));
        Assert.True(rate.TryAcquire(IPAddress.Parse("192.0.2.2"))); // another client has its own rate
        clock.Advance(TimeSpan.FromSeconds(90)); // half of the previous window still counts: 5 of 10 used
        for (var i = 0; i < 5; i++)
        {
            Assert.True(rate.TryAcquire(Client));
        }

        Assert.False(rate.TryAcquire(Client));
    }

    [Fact]
    public void Quiet_clients_are_swept_so_many_addresses_cannot_grow_the_table()
    {
        var clock = new FakeTimeProvider();
        var rate = new ClientConnectionRate(clock, 10, TimeSpan.FromMinutes(1));
        for (var i = 0; i < 10_000; i++)
        {
            rate.TryAcquire(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]));
        }

        clock.Advance(TimeSpan.FromMinutes(3));
        rate.TryAcquire(Client);
        Assert.Equal(1, rate.TrackedClients);
    }

    [Fact]
    public void A_rate_of_zero_turns_the_limit_off()
    {
        var rate = new ClientConnectionRate(new FakeTimeProvider(), 0, TimeSpan.FromMinutes(1));
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.True(rate.TryAcquire(Client)));
    }
}
