namespace MssGateway.Host.Telemetry;

/// <summary>
/// Timing of the SIGTERM life cycle (<c>Gateway:Shutdown</c>):
/// readiness goes false, the listeners stay open <see cref="ReadinessDelay"/> (new sessions get
/// 421 4.3.2) so load balancers notice, then they close and sessions get <see cref="DrainTimeout"/>.
/// </summary>
public sealed class GracefulShutdownOptions
{
    public const string Section = "Gateway:Shutdown";

    /// <summary>Time between /readyz turning 503 and the listeners closing (0 in tests; about 2 probe periods in Kubernetes).</summary>
    public TimeSpan ReadinessDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time sessions in progress get to finish after the listeners close; then they are cut.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ReadinessDelay < TimeSpan.Zero || ReadinessDelay > TimeSpan.FromMinutes(5))
        {
            errors.Add("Gateway:Shutdown:ReadinessDelay must be between 0 and 5 minutes (e.g. \"00:00:05\").");
        }

        if (DrainTimeout < TimeSpan.Zero)
        {
            errors.Add("Gateway:Shutdown:DrainTimeout must be zero or positive (e.g. \"00:01:00\").");
        }

        return errors;
    }
}
