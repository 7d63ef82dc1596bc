using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MssGateway.Trust;

/// <summary>
/// Background refresh of the trust engine: anchors and trusted list reloaded on change, CRL files
/// re-read, CRLs downloaded ahead of their nextUpdate. Wakes every <see cref="TrustOptions.ReloadInterval"/>
/// (at most every 30 seconds, so scheduled CRL downloads are not late).
/// </summary>
public sealed class TrustRefreshService : BackgroundService
{
    private readonly CertificateTrustEngine _engine;
    private readonly TrustOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TrustRefreshService> _logger;

    public TrustRefreshService(CertificateTrustEngine engine, IOptions<TrustOptions> options, ILogger<TrustRefreshService> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _engine = engine;
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tick = _options.ReloadInterval < TimeSpan.FromSeconds(30) ? _options.ReloadInterval : TimeSpan.FromSeconds(30);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _engine.RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The refresh loop must outlive any one bad file or download: log and try again next tick.
                TrustLog.RefreshFailed(_logger, ex.Message);
            }

            try
            {
                await Task.Delay(tick, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
