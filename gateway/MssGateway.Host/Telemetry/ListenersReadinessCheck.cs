namespace MssGateway.Host.Telemetry;

/// <summary>"listeners": the SMTP and HTTP endpoints are bound (set when the host has started).</summary>
public sealed class ListenersReadinessCheck(GatewayReadiness readiness) : IReadinessCheck
{
    public string Name => "listeners";

    public ValueTask<ReadinessResult> CheckAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(readiness.ListenersUp ? ReadinessResult.Pass("bound") : ReadinessResult.Fail("not bound yet"));
}
