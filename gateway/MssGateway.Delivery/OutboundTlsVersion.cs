namespace MssGateway.Delivery;

/// <summary>The lowest TLS version towards a next hop (<c>Gateway:Delivery:MinimumTlsVersion</c>; DESIGN.md §3: TLS 1.2 and 1.3 only).</summary>
public enum OutboundTlsVersion
{
    Tls12,
    Tls13,
}
