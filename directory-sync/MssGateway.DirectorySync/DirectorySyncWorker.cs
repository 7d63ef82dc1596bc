using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MssGateway.DirectorySync.Options;
using StackExchange.Redis;

namespace MssGateway.DirectorySync;

/// <summary>Service mode: one run at start, then one every DirectorySync:Interval. A failed run is logged and counted; the next one retries.</summary>
public sealed partial class DirectorySyncWorker : BackgroundService
{
    private readonly DirectorySyncOptions _options;
    private readonly DirectorySyncRunner _runner;
    private readonly ILogger<DirectorySyncWorker> _logger;

    public DirectorySyncWorker(DirectorySyncOptions options, IConnectionMultiplexer redis, DirectorySyncMetrics metrics, ILogger<DirectorySyncWorker> logger)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _runner = new DirectorySyncRunner(options, redis, metrics, logger);
    }

    /// <summary>Null before the first run.</summary>
    public bool? LastRunSucceeded { get; private set; }

    /// <summary>
    /// /readyz: ready once a run has succeeded and the last one did not fail. Not ready before the
    /// first run ends, so a Deployment is available (and `helm --wait` returns) only once Redis
    /// holds a directory; not ready after a failed run, which alerts and `kubectl get pods` show.
    /// </summary>
    public (bool Ready, string Reason) Readiness => LastRunSucceeded switch
    {
        true => (true, "ok"),
        false => (false, "last sync failed"),
        null => (false, "first sync not finished"),
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Interval);
        do
        {
            try
            {
                var result = await _runner.RunOnceAsync(null, stoppingToken).ConfigureAwait(false);
                LastRunSucceeded = result.DomainListFailure is null;
            }
            catch (DirectorySyncException ex)
            {
                LastRunSucceeded = false;
                LogRunFailed(_logger, ex.Failure.ToString(), ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Keep the service alive for the next run; /readyz reports the failure.
                LastRunSucceeded = false;
                LogRunCrashed(_logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 5503, Level = LogLevel.Critical, Message = "Sync run failed with an unexpected error; next run in one interval")]
    private static partial void LogRunCrashed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5501, Level = LogLevel.Error, Message = "Sync run failed ({Failure}): {Error}; next run in one interval")]
    private static partial void LogRunFailed(ILogger logger, string failure, string error);
}
