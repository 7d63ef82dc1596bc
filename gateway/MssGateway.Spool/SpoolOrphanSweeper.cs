using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MssGateway.Spool;

/// <summary>
/// Removes orphans from <c>spool/tmp</c> while the gateway runs, not only at start-up
/// (<see cref="MessageSpool.Recover"/>): a temp file whose last write is older than the longest possible
/// session can belong to no session any more (a session's writer deletes its file on every path; this
/// is the net under a bug or a failed delete), so it was never acknowledged and is deleted. Counted in
/// <c>mssgw_spool_orphans_removed_total</c>. The clock is <see cref="TimeProvider"/>. Each sweep also unlinks the
/// recycled files no new message took within <see cref="MessageSpool.RecycledFileMaxAge"/>.
/// </summary>
public sealed partial class SpoolOrphanSweeper : BackgroundService
{
    /// <summary>The meter every gateway component records on (exported by the host).</summary>
    public const string MeterName = "MssGateway";

    private readonly MessageSpool _spool;
    private readonly TimeSpan _maxAge;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _removed;

    /// <param name="spool">The spool whose <c>tmp/</c> is swept.</param>
    /// <param name="maxAge">Age past which a temp file is an orphan: at least the longest session (the SMTP engine's MaxSessionDuration).</param>
    /// <param name="interval">Time between sweeps.</param>
    public SpoolOrphanSweeper(MessageSpool spool, TimeSpan maxAge, TimeSpan interval, TimeProvider? time = null, IMeterFactory? meterFactory = null, ILogger<SpoolOrphanSweeper>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(spool);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _spool = spool;
        _maxAge = maxAge;
        _interval = interval;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _removed = _meter.CreateCounter<long>("mssgw_spool_orphans_removed_total", description: "Temp files of spool/tmp removed while running because no session could still own them.");
    }

    /// <summary>One sweep: deletes the orphans found now and returns how many.</summary>
    public int SweepOnce()
    {
        var cutoff = _time.GetUtcNow().UtcDateTime - _maxAge;
        var removed = 0;
        foreach (var file in new DirectoryInfo(_spool.TempDirectory).EnumerateFiles())
        {
            try
            {
                if (file.LastWriteTimeUtc < cutoff)
                {
                    file.Delete();
                    removed++;
                }
            }
            catch (IOException)
            {
                // Gone meanwhile, or not deletable now: the next sweep (or start-up recovery) sees it again.
            }
        }

        if (removed > 0)
        {
            _removed.Add(removed);
            Removed(_logger, removed, _maxAge);
        }

        _spool.TrimRecycled(MessageSpool.RecycledFileMaxAge); // a delivered message's file waits for reuse a minute at most
        return removed;
    }

    public override void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }

        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                SweepOnce();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, EventName = "SpoolOrphansRemoved",
        Message = "removed {Count} orphan temp files from spool/tmp (older than {MaxAge}); none was acknowledged")]
    private static partial void Removed(ILogger logger, int count, TimeSpan maxAge);
}
