namespace MssGateway.Host;

/// <summary>Life-cycle facts for /readyz: listeners bound, draining on SIGTERM.</summary>
public sealed class GatewayReadiness
{
    public volatile bool ListenersUp;
    public volatile bool Draining;
}
