namespace MssGateway.Policy;

/// <summary>Which bound of the MIME scan a message passed.</summary>
internal enum MimeLimit
{
    Depth,
    Parts,
    HeaderBytes,
    SignatureBytes,
    AttachmentBytes,
}
