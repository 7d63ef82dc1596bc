namespace MssGateway.Delivery;

/// <summary>Kinds of next hop.</summary>
public enum NextHopKind
{
    /// <summary>The hospital's own mail system (<see cref="DeliveryOptions.InternalNextHop"/>).</summary>
    Internal,

    /// <summary>Another MSSanté operator's gateway: STARTTLS required, mutual TLS, liste blanche check.</summary>
    Operator,
}
