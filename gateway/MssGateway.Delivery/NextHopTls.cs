namespace MssGateway.Delivery;

/// <summary>TLS towards the internal next hop. Operators' gateways always get STARTTLS, never plain.</summary>
public enum NextHopTls
{
    /// <summary>Plain text: only on a trusted network (the hospital's LAN).</summary>
    None,

    /// <summary>STARTTLS required: delivery is deferred when the server does not offer it.</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465 style).</summary>
    Implicit,
}
