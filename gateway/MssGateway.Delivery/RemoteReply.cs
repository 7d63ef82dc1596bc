namespace MssGateway.Delivery;

/// <summary>
/// One reply of an SMTP or LMTP server (RFC 5321 §4.2): its three-digit code and the text of each
/// line. Whatever a server sends that is not this shape ends the session as a protocol error
/// (<see cref="RemoteProtocolException"/>); the delivery code only ever sees well-formed replies.
/// </summary>
internal sealed record RemoteReply(int Code, IReadOnlyList<string> Lines)
{
    /// <summary>2yz: the command succeeded.</summary>
    public bool IsPositive => Code is >= 200 and < 300;

    /// <summary>3yz: go on (354 after DATA).</summary>
    public bool IsIntermediate => Code is >= 300 and < 400;

    /// <summary>4yz: try again later.</summary>
    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>5yz: do not try again.</summary>
    public bool IsPermanent => Code >= 500;

    /// <summary>421: the server is closing the connection (RFC 5321 §3.8), whatever the command was.</summary>
    public bool IsClosing => Code == 421;

    public string Text => string.Join(' ', Lines);

    public DeliveryReply ToDeliveryReply() => DeliveryReply.FromServer(Code, Text);

    public override string ToString() => Code.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + Text;
}
