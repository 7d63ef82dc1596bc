using MimeKit;

namespace MssGateway.Policy;

/// <summary>One field of the message's own header block with its byte range in the stored message.</summary>
internal sealed record TopLevelHeader(HeaderId Id, string Field, string Value, long Offset, long Length);
