using Microsoft.Extensions.Logging;

namespace MssGateway.Host.Telemetry;

/// <summary>
/// The SIGTERM life cycle, step one. Runs in IHostedLifecycleService.StoppingAsync, i.e. before
/// Kestrel closes its listeners: readiness goes false and new sessions get 421 4.3.2 at once; the
/// listeners then stay open for Gateway:Shutdown:ReadinessDelay so load balancers see /readyz fail
/// before connections start being refused. Step two is Kestrel's own: close the listeners, signal
/// sessions (idle ones get 421 4.3.2, a DATA in progress finishes), wait up to DrainTimeout, exit 0.
/// </summary>
public sealed class GracefulShutdown(GatewayReadiness readiness, GatewaySessionHooks hooks, GracefulShutdownOptions options, ILogger<GracefulShutdown> logger, TimeProvider time) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        readiness.Draining = true;
        hooks.Draining = true;
        TelemetryLog.DrainStarted(logger, (long)options.ReadinessDelay.TotalMilliseconds, (long)options.DrainTimeout.TotalMilliseconds);
        if (options.ReadinessDelay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(options.ReadinessDelay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Shutdown timeout reached during the delay: go on closing.
            }
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        TelemetryLog.Stopped(logger);
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
