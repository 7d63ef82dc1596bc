using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// Orphans of spool/tmp are removed while the gateway runs, once older than the longest session; the temp
/// file of a session still receiving is never touched; each removal is counted in
/// mssgw_spool_orphans_removed_total.
/// </summary>
public sealed class SpoolOrphanSweeperTests : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(35);
    private readonly TempDirectory _dir = new("mssgw-sweeper");
    private readonly MessageSpool _spool;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    public SpoolOrphanSweeperTests()
    {
        _spool = new MessageSpool(_dir.Path);
    }

    public void Dispose() => _dir.Dispose();

    private string TempFile(string name, TimeSpan age)
    {
        var path = Path.Combine(_spool.TempDirectory, name);
        File.WriteAllText(path, "never acknowledged");
        File.SetLastWriteTimeUtc(path, _clock.GetUtcNow().UtcDateTime - age);
        return path;
    }

    [Fact]
    public void A_temp_file_older_than_the_longest_session_is_removed_and_counted()
    {
        var orphan = TempFile("0000000000000001", TimeSpan.FromMinutes(40));
        var young = TempFile("0000000000000002", TimeSpan.FromMinutes(10));
        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Name == "mssgw_spool_orphans_removed_total")
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => Interlocked.Add(ref counted, v));
        listener.Start();
        using var sweeper = new SpoolOrphanSweeper(_spool, MaxAge, TimeSpan.FromMinutes(5), _clock);

        Assert.Equal(1, sweeper.SweepOnce());
        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(young));
        Assert.Equal(1, Interlocked.Read(ref counted));
    }

    [Fact]
    public async Task The_temp_file_of_a_message_being_received_is_never_removed()
    {
        await using var writer = _spool.BeginMessage();
        await writer.WriteAsync("Subject: still arriving\r\n"u8.ToArray(), CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(30)); // the longest session, but not past the sweeper's age
        using var sweeper = new SpoolOrphanSweeper(_spool, MaxAge, TimeSpan.FromMinutes(5), _clock);
        Assert.Equal(0, sweeper.SweepOnce());
        Assert.Single(Directory.GetFiles(_spool.TempDirectory));
    }

    [Fact]
    public async Task The_sweeper_runs_on_its_interval_while_the_gateway_runs()
    {
        var orphan = TempFile("0000000000000003", TimeSpan.FromMinutes(36));
        using var sweeper = new SpoolOrphanSweeper(_spool, MaxAge, TimeSpan.FromMinutes(5), _clock);
        await sweeper.StartAsync(CancellationToken.None);
        try
        {
            for (var i = 0; i < 100 && File.Exists(orphan); i++)
            {
                _clock.Advance(TimeSpan.FromMinutes(1));
                await Task.Delay(20);
            }

            Assert.False(File.Exists(orphan));
        }
        finally
        {
            await sweeper.StopAsync(CancellationToken.None);
        }
    }
}
