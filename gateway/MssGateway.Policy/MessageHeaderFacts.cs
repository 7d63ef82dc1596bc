using MimeKit;

namespace MssGateway.Policy;

/// <summary>
/// What sender binding needs from the stored message's own header block (issue 12 rule 1): every
/// <c>From:</c> and <c>Sender:</c> field as received (raw octets, parsed later) and the type of the
/// body. Only the top-level block counts: a From inside a forwarded message/rfc822 or unwrapped
/// S/MIME content is not the message's author.
/// </summary>
public sealed class MessageHeaderFacts
{
    private readonly List<byte[]> _from = [];
    private readonly List<byte[]> _sender = [];

    /// <summary>Raw values of the top-level From fields, in order (RFC 5322 §3.6: exactly one is allowed).</summary>
    public IReadOnlyList<byte[]> FromFields => _from;

    /// <summary>Raw values of the top-level Sender fields (at most one is allowed).</summary>
    public IReadOnlyList<byte[]> SenderFields => _sender;

    /// <summary>Content type of the message body (null when the message has no body entity).</summary>
    public ContentType? BodyType { get; internal set; }

    /// <summary>
    /// True for what RFC 3464 (delivery status) and RFC 8098 (disposition notification) send with the null
    /// sender: a multipart/report body whose report-type is delivery-status or disposition-notification
    /// (or their RFC 6533 global forms).
    /// </summary>
    public bool IsDeliveryOrDispositionReport =>
        BodyType is { } type && type.IsMimeType("multipart", "report")
        && type.Parameters["report-type"]?.Trim().ToLowerInvariant() is "delivery-status" or "disposition-notification"
            or "global-delivery-status" or "global-disposition-notification";

    internal void Add(Header header)
    {
        switch (header.Id)
        {
            case HeaderId.From:
                _from.Add(header.RawValue);
                break;
            case HeaderId.Sender:
                _sender.Add(header.RawValue);
                break;
        }
    }
}
