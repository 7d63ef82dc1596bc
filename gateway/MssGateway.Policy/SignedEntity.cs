using MimeKit;

namespace MssGateway.Policy;

/// <summary>
/// A signed entity found by <see cref="MimeStructureScanner"/>, with the byte range it needs later.
/// Detached: <see cref="Begin"/>..<see cref="End"/> is the first body part exactly as signed (RFC 1847
/// §2.1: headers and content, without the CRLF before the boundary) and <see cref="Signature"/> the
/// decoded CMS. Opaque: the range is the encoded content of the application/pkcs7-mime part.
/// </summary>
internal sealed record SignedEntity
{
    public required SignedEntityKind Kind { get; init; }

    /// <summary>Nesting depth of the signed entity (0 for the message body).</summary>
    public required int Depth { get; init; }

    public required long Begin { get; init; }

    public required long End { get; init; }

    public ContentEncoding Encoding { get; init; } = ContentEncoding.Default;

    public byte[]? Signature { get; init; }

    /// <summary>From address of the nearest enclosing message, when it has one.</summary>
    public string? From { get; init; }

    /// <summary>Opaque only: smime-type said signed-data (otherwise the CMS type is found by parsing).</summary>
    public bool DeclaredSignedData { get; init; }

    /// <summary>
    /// The signed entity is the whole body of the stored message (issue 12 rule 4): a top-level
    /// multipart/signed with exactly two parts, or a top-level application/pkcs7-mime. Only then may the
    /// verdict be pass; a nested signature covers part of what the reader sees.
    /// </summary>
    public bool IsWholeBody { get; init; }

    /// <summary>Inside a forwarded message/rfc822: every leaf of its unwrapped content counts.</summary>
    public bool InsideForwarded { get; init; }
}
