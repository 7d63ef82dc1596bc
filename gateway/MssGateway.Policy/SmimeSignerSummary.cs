namespace MssGateway.Policy;

/// <summary>Who signed, as written in the Authentication-Results header (RFC 7281 body.smime-* properties).</summary>
public sealed record SmimeSignerSummary
{
    /// <summary>Signer identity: the certificate's e-mail address, or its subject when it has none.</summary>
    public required string Identifier { get; init; }

    /// <summary>Serial number, hexadecimal upper case.</summary>
    public required string SerialNumber { get; init; }

    /// <summary>Issuer DN (RFC 4514 text).</summary>
    public required string Issuer { get; init; }

    public string? NationalIdentifier { get; init; }
}
