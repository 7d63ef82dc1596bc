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

    /// <summary>Opaque only: when the content proves not to be signed-data, its decoded size counts as an attachment.</summary>
    public bool CountsIfNotSigned { get; init; }
}
