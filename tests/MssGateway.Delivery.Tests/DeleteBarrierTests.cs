using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MssGateway.Journal;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// The durability of the passes' deletes in batches (issue 13, CPU per message): a delivered message
/// leaves <c>active/</c> at once, and one fsync of <c>active/</c> per <see cref="DeliveryOptions.DeleteSyncInterval"/>
/// makes the batch durable; only after it are the state files removed and the journal told "done".
/// Also the claim and delete calls of the spool (one system call each).
/// </summary>
public sealed class DeleteBarrierTests : IDisposable
{
    private readonly TempDirectory _dir = new("mssgw-deletes");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RecordingJournal _journal = new();
    private readonly ListLogger _logger = new();

    public void Dispose() => _dir.Dispose();

    private DeleteBarrier Barrier(MessageSpool spool, TimeSpan interval) =>
        new(spool, new StaticOptions(new DeliveryOptions { DeleteSyncInterval = interval }), _time, _logger, _journal);

    /// <summary>A message as the pass leaves it when it is done: claimed into active/, with a state file from an earlier attempt.</summary>
    private static async Task<string> DeliveredAsync(MessageSpool spool)
    {
        await using var w = spool.BeginMessage();
        var bytes = Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n");
        await w.WriteAsync(bytes, CancellationToken.None);
        await w.CommitAsync(new SpoolEnvelope { QueueId = w.QueueId, ReceivedAt = DateTimeOffset.UtcNow, Sender = "a@hopital-a.test", Recipients = [new SpoolRecipient { Address = "b@hopital-a.test" }], ContentLength = bytes.Length }, CancellationToken.None);
        await spool.WriteStateAsync(new SpoolDeliveryState { QueueId = w.QueueId, Attempts = 1, Recipients = [new RecipientState { Address = "b@hopital-a.test", Status = RecipientStatus.Pending }] }, CancellationToken.None);
        Assert.True(spool.Claim(w.QueueId, SpoolState.Incoming));
        return w.QueueId;
    }

    private static JournalRecord Done(string id) => new() { Kind = JournalRecordKind.Deletion, QueueId = id, Result = "done" };

    private static bool HasState(MessageSpool spool, string id) => File.Exists(Path.Combine(spool.StateDirectory, id + ".json"));

    [Fact]
    public async Task A_delivered_message_leaves_active_at_once_and_its_state_and_journal_record_wait_for_the_barrier()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await DeliveredAsync(spool);
        var barrier = Barrier(spool, TimeSpan.FromMilliseconds(50));

        Assert.True(await barrier.DeleteAsync(id, Done(id)));

        Assert.Null(spool.Locate(id)); // gone for the CLI and the scheduler
        Assert.True(HasState(spool, id)); // a power loss now brings the message back with the state that says who has it
        Assert.Empty(_journal.Records); // nothing on record says "done" before the delete is durable
        Assert.Equal(1, barrier.Pending);

        _time.Advance(TimeSpan.FromMilliseconds(50));
        await DeliveryHarness.WaitUntilAsync(() => barrier.Pending == 0 && _journal.Records.Count == 1, "the barrier");

        Assert.False(HasState(spool, id));
        Assert.Equal(id, Assert.Single(_journal.Records).QueueId);
    }

    [Fact]
    public async Task One_barrier_makes_every_delete_of_its_interval_durable()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var barrier = Barrier(spool, TimeSpan.FromMilliseconds(50));
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = await DeliveredAsync(spool);
            ids.Add(id);
            Assert.True(await barrier.DeleteAsync(id, Done(id)));
        }

        Assert.Equal(5, barrier.Pending);
        Assert.All(ids, id => Assert.True(HasState(spool, id)));
        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Equal(5, barrier.Pending); // not before the interval

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await DeliveryHarness.WaitUntilAsync(() => barrier.Pending == 0 && _journal.Records.Count == 5, "one barrier for the five");

        Assert.All(ids, id => Assert.False(HasState(spool, id)));
        Assert.Equal(ids, _journal.Records.Select(r => r.QueueId));
        Assert.Empty(spool.List(SpoolState.Active));
    }

    [Fact]
    public async Task A_barrier_whose_fsync_fails_keeps_the_states_and_records_and_is_tried_again()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await DeliveredAsync(spool);
        var barrier = Barrier(spool, TimeSpan.FromMilliseconds(50));
        Assert.True(await barrier.DeleteAsync(id, Done(id)));

        // The directory cannot be opened for its fsync (a failing volume): the delete is not known durable.
        var active = spool.DirectoryOf(SpoolState.Active);
        System.IO.Directory.Move(active, active + ".away");
        _time.Advance(TimeSpan.FromMilliseconds(50));
        await DeliveryHarness.WaitUntilAsync(() => _logger.Lines.Any(l => l.StartsWith("DeleteSyncFailed", StringComparison.Ordinal)), "the failed barrier logged");

        Assert.Equal(1, barrier.Pending);
        Assert.True(HasState(spool, id));
        Assert.Empty(_journal.Records);

        System.IO.Directory.Move(active + ".away", active);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        await DeliveryHarness.WaitUntilAsync(() => barrier.Pending == 0 && _journal.Records.Count == 1, "the barrier tried again");
        Assert.False(HasState(spool, id));
    }

    [Fact]
    public async Task A_journal_that_refuses_one_record_is_logged_and_the_rest_of_the_batch_is_still_recorded()
    {
        // The barrier runs from a timer nobody awaits: a journal write failure must not vanish with its task.
        var spool = new MessageSpool(_dir.Combine("spool"));
        var barrier = Barrier(spool, TimeSpan.FromMilliseconds(50));
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = await DeliveredAsync(spool);
            ids.Add(id);
            Assert.True(await barrier.DeleteAsync(id, Done(id)));
        }

        _journal.Failing[ids[1]] = true;
        _time.Advance(TimeSpan.FromMilliseconds(50));
        await DeliveryHarness.WaitUntilAsync(() => barrier.Pending == 0 && _journal.Records.Count == 2, "the barrier");

        Assert.Equal([ids[0], ids[2]], _journal.Records.Select(r => r.QueueId));
        Assert.Contains(_logger.Lines, l => l.StartsWith("DeletionRecordFailed", StringComparison.Ordinal) && l.Contains(ids[1], StringComparison.Ordinal));
        Assert.All(ids, id => Assert.False(HasState(spool, id)));
    }

    [Fact]
    public async Task With_a_zero_interval_the_delete_is_durable_and_recorded_before_it_returns()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await DeliveredAsync(spool);
        var barrier = Barrier(spool, TimeSpan.Zero);

        Assert.True(await barrier.DeleteAsync(id, Done(id)));

        Assert.Equal(0, barrier.Pending);
        Assert.False(HasState(spool, id));
        Assert.Single(_journal.Records);
    }

    [Fact]
    public async Task Flushing_at_stop_makes_the_last_deletes_durable_without_waiting_for_the_interval()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await DeliveredAsync(spool);
        var barrier = Barrier(spool, TimeSpan.FromSeconds(1));
        Assert.True(await barrier.DeleteAsync(id, Done(id)));

        await barrier.FlushAsync(); // what the scheduler does when it stops

        Assert.Equal(0, barrier.Pending);
        Assert.False(HasState(spool, id));
        Assert.Single(_journal.Records);
    }

    [Fact]
    public async Task A_message_that_is_not_in_active_is_neither_deleted_nor_recorded()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var barrier = Barrier(spool, TimeSpan.FromMilliseconds(50));

        Assert.False(await barrier.DeleteAsync("0000000000000AAA", Done("0000000000000AAA")));
        Assert.Equal(0, barrier.Pending);
    }

    [Fact]
    public async Task A_claim_never_overwrites_a_file_already_in_active_and_reports_a_message_moved_away()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        await using (var w = spool.BeginMessage())
        {
            await w.WriteAsync(Encoding.ASCII.GetBytes("x\r\n"), CancellationToken.None);
            await w.CommitAsync(new SpoolEnvelope { QueueId = w.QueueId, ReceivedAt = DateTimeOffset.UtcNow, Sender = "a@hopital-a.test", Recipients = [new SpoolRecipient { Address = "b@hopital-a.test" }], ContentLength = 3 }, CancellationToken.None);
            var id = w.QueueId;
            File.WriteAllText(spool.PathOf(SpoolState.Active, id), "another file of the same name");

            Assert.Throws<IOException>(() => spool.Claim(id, SpoolState.Incoming)); // atomic no-replace: both files stay
            Assert.Equal("another file of the same name", File.ReadAllText(spool.PathOf(SpoolState.Active, id)));
            Assert.True(File.Exists(spool.PathOf(SpoolState.Incoming, id)));

            File.Delete(spool.PathOf(SpoolState.Active, id));
            Assert.True(spool.Claim(id, SpoolState.Incoming));
            Assert.False(spool.Claim(id, SpoolState.Incoming)); // no longer there: moved by someone else
            Assert.False(spool.Claim(id, SpoolState.Deferred));
        }
    }

    [Fact]
    public async Task Delete_reports_a_message_that_is_not_there_and_removes_the_state_of_one_that_is()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await DeliveredAsync(spool);

        Assert.False(await spool.DeleteAsync(id, SpoolState.Incoming));
        Assert.True(HasState(spool, id));
        Assert.True(await spool.DeleteAsync(id, SpoolState.Active));
        Assert.False(HasState(spool, id));
        Assert.Null(spool.Locate(id));
        Assert.False(await spool.DeleteAsync(id, SpoolState.Active));
    }

    private sealed class StaticOptions(DeliveryOptions value) : IOptionsMonitor<DeliveryOptions>
    {
        public DeliveryOptions CurrentValue => value;

        public DeliveryOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<DeliveryOptions, string?> listener) => null;
    }

    /// <summary>The journal's records in the order they were appended (what the barrier wrote, and when).</summary>
    private sealed class RecordingJournal : IExchangeJournal
    {
        public ConcurrentQueue<JournalRecord> Records { get; } = new();

        /// <summary>Queue ids whose record the journal refuses, as a full or unwritable journal disk would.</summary>
        public ConcurrentDictionary<string, bool> Failing { get; } = new();

        public void Append(JournalRecord record)
        {
            if (record.QueueId is { } id && Failing.ContainsKey(id))
            {
                throw new IOException("No space left on device");
            }

            Records.Enqueue(record);
        }

        public Task AppendDurableAsync(JournalRecord record, CancellationToken cancellationToken)
        {
            Records.Enqueue(record);
            return Task.CompletedTask;
        }

        public SpoolCommitCompanion WithMessage(JournalRecord record) => throw new NotSupportedException("not used by delivery");
    }

    private sealed class ListLogger : ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue($"{eventId.Name}: {formatter(state, exception)}");
    }
}
