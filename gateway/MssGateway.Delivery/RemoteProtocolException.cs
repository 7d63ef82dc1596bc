namespace MssGateway.Delivery;

/// <summary>
/// The next hop sent something that is not an SMTP reply (no code, a code outside 2yz–5yz, lines of
/// one reply with different codes, a line or a reply too long). The session cannot continue: what was
/// in flight is deferred (<c>4.4.2 connection_lost</c>) and the connection closed.
/// </summary>
public sealed class RemoteProtocolException : IOException
{
    public RemoteProtocolException()
        : base("The next hop broke the SMTP protocol.")
    {
    }

    public RemoteProtocolException(string message)
        : base(message)
    {
    }

    public RemoteProtocolException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
