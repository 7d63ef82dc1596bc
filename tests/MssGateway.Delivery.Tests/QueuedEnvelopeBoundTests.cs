using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// The envelopes the classification hands to the delivery pass stay bounded (issue 13): only the first
/// entries of the live destinations' queues carry one, up to a budget shared by all destinations; a parked message, or one behind many others, holds
/// its compact key only — a national backlog never keeps a million envelopes in memory.
/// </summary>
public sealed class QueuedEnvelopeBoundTests : IDisposable
{
    private static readonly DeliveryOptions Options = new() { InitialConcurrency = 1, ConcurrencyPerDestination = 1, FailedCohortLimit = 1, DeadDestinationRetry = TimeSpan.FromMinutes(1) };
    private readonly TempDirectory _dir = new("mssgw-bound");

    public void Dispose() => _dir.Dispose();

    private async Task<SpoolMessage> ClassifiedAsync(MessageSpool spool)
    {
        await using var w = spool.BeginMessage();
        await w.WriteAsync("Subject: x\r\n\r\nbody\r\n"u8.ToArray(), CancellationToken.None);
        await w.CommitAsync(new SpoolEnvelope { QueueId = w.QueueId, ReceivedAt = DateTimeOffset.UtcNow, Sender = "a@hopital-a.mssante.test", Recipients = [new SpoolRecipient { Address = "b@hopital-b.mssante.test" }] }, CancellationToken.None);
        return spool.Open(SpoolState.Incoming, w.QueueId);
    }

    private static DestinationTable Table() => new(new StaticOptions(Options), TimeProvider.System, NullLogger.Instance);

    private static QueuedMessage Entry(SpoolMessage known) =>
        new(QueueId.TryToKey(known.Envelope.QueueId, out var key) ? key : throw new InvalidOperationException(), SpoolState.Incoming, Known: known);

    [Fact]
    public async Task The_live_queues_keep_at_most_the_budget_of_envelopes_and_a_dequeued_one_frees_its_place()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var known = await ClassifiedAsync(spool);
        var table = Table();
        var first = table.Get(null);
        var second = table.Get(new NextHop("internal", NextHopKind.Internal, "internal", null));
        for (var i = 0; i < DestinationTable.KnownEnvelopeBudget - 10; i++)
        {
            table.Enqueue(first, Entry(known));
        }

        // The budget is shared: the second destination gets the last 10, then entries without their envelope.
        for (var i = 0; i < 30; i++)
        {
            table.Enqueue(second, Entry(known));
        }

        Assert.All(first.Ready, e => Assert.Same(known, e.Known));
        Assert.All(second.Ready.Take(10), e => Assert.Same(known, e.Known));
        Assert.All(second.Ready.Skip(10), e => Assert.Null(e.Known));
        Assert.Equal(DestinationTable.KnownEnvelopeBudget, table.KnownEnvelopes);

        // A pass takes one (with its envelope): the next entry queued may keep its own again.
        Assert.True(table.TryDispatch(out var lease, out var taken));
        Assert.NotNull(lease);
        Assert.Same(known, taken.Known);
        Assert.Equal(DestinationTable.KnownEnvelopeBudget - 1, table.KnownEnvelopes);
        table.Enqueue(second, Entry(known));
        Assert.Same(known, second.Ready.Last().Known);
        Assert.Equal(DestinationTable.KnownEnvelopeBudget, table.KnownEnvelopes);
    }

    [Fact]
    public async Task A_destination_that_dies_gives_its_envelopes_back_to_the_budget()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var known = await ClassifiedAsync(spool);
        var table = Table();
        var d = table.Get(new NextHop("internal", NextHopKind.Internal, "internal", null));
        for (var i = 0; i < 10; i++)
        {
            table.Enqueue(d, Entry(known));
        }

        Assert.Equal(10, table.KnownEnvelopes);
        table.Failed(d, new DeliveryReply(451, "4.4.1", "connect_failed: refused"));
        Assert.Equal(0, table.KnownEnvelopes);
    }

    [Fact]
    public async Task A_destination_that_dies_parks_its_messages_without_their_envelopes_and_later_ones_too()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var known = await ClassifiedAsync(spool);
        var table = Table();
        var d = table.Get(new NextHop("internal", NextHopKind.Internal, "internal", null));
        for (var i = 0; i < 10; i++)
        {
            table.Enqueue(d, Entry(known));
        }

        table.Failed(d, new DeliveryReply(451, "4.4.1", "connect_failed: refused"));
        Assert.True(table.IsDead(d));
        table.Enqueue(d, Entry(known));
        Assert.Equal(11, d.Parked.Count);
        Assert.All(d.Parked, e => Assert.Null(e.Known));
    }

    private sealed class StaticOptions(DeliveryOptions value) : IOptionsMonitor<DeliveryOptions>
    {
        public DeliveryOptions CurrentValue => value;

        public DeliveryOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<DeliveryOptions, string?> listener) => null;
    }
}
