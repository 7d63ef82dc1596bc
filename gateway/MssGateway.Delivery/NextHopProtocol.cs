namespace MssGateway.Delivery;

/// <summary>Protocol spoken to the internal next hop (the hospital's own mail system).</summary>
public enum NextHopProtocol
{
    /// <summary>SMTP (RFC 5321), EHLO.</summary>
    Smtp,

    /// <summary>LMTP (RFC 2033): LHLO, and one reply per recipient after the data.</summary>
    Lmtp,
}
