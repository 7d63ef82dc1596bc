namespace MssGateway.Policy;

/// <summary>The two S/MIME signed forms (RFC 8551 §3.5).</summary>
internal enum SignedEntityKind
{
    /// <summary>multipart/signed with an application/pkcs7-signature part (RFC 1847, clear-signed).</summary>
    Detached,

    /// <summary>application/pkcs7-mime with signed-data (the content is inside the CMS structure).</summary>
    Opaque,
}
