using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>The penalty table alone: the count, the window, the penalty's end, and a table many addresses cannot grow.</summary>
public sealed class ClientPenaltiesTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.1");

    private static SmtpServerLimits Limits(int offences = 3) => new()
    {
        MaxOffencesPerClient = offences,
        OffenceWindow = TimeSpan.FromMinutes(10),
        OffencePenalty = TimeSpan.FromMinutes(10),
    };

    [Fact]
    public void The_offence_that_reaches_the_limit_starts_the_penalty_once()
    {
        var clock = new FakeTimeProvider();
        var p = new ClientPenalties(clock, Limits());
        Assert.False(p.Record(Client, 2));
        Assert.False(p.IsPenalised(Client));
        Assert.True(p.Record(Client, 1));
        Assert.True(p.IsPenalised(Client));
        Assert.False(p.Record(Client, 5)); // already penalised: not started again, not extended
        Assert.False(p.IsPenalised(IPAddress.Parse("192.0.2.2")));
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.False(p.IsPenalised(Client));
    }

    [Fact]
    public void Several_offences_of_one_session_count_at_once()
    {
        var p = new ClientPenalties(new FakeTimeProvider(), Limits());
        Assert.True(p.Record(Client, 4)); // a session that abandoned four transfers
    }

    [Fact]
    public void Spent_records_are_swept_and_the_table_is_bounded()
    {
        var clock = new FakeTimeProvider();
        var p = new ClientPenalties(clock, Limits(offences: 1_000));
        for (var i = 0; i < ClientPenalties.MaxTrackedClients + 5_000; i++)
        {
            p.Record(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]), 1);
        }

        Assert.Equal(ClientPenalties.MaxTrackedClients, p.TrackedClients);
        clock.Advance(TimeSpan.FromMinutes(11));
        p.Record(Client, 1);
        Assert.Equal(1, p.TrackedClients);
    }

    [Fact]
    public void A_penalised_client_is_not_swept_before_its_penalty_ends()
    {
        var clock = new FakeTimeProvider();
        var p = new ClientPenalties(clock, new SmtpServerLimits { MaxOffencesPerClient = 1, OffenceWindow = TimeSpan.FromMinutes(1), OffencePenalty = TimeSpan.FromMinutes(30) });
        Assert.True(p.Record(Client, 1));
        clock.Advance(TimeSpan.FromMinutes(5));
        p.Record(IPAddress.Parse("192.0.2.9"), 1); // sweeps
        Assert.True(p.IsPenalised(Client));
    }
}
