namespace MssGateway.Host.Telemetry;

/// <summary>"draining": fails from SIGTERM on, before the listeners close, so load balancers stop sending first.</summary>
public sealed class DrainingReadinessCheck(GatewayReadiness readiness) : IReadinessCheck
{
    public string Name => "draining";

    public ValueTask<ReadinessResult> CheckAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(readiness.Draining ? ReadinessResult.Fail("shutting down") : ReadinessResult.Pass("no"));
}
