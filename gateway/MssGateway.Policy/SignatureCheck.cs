using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Policy;

/// <summary>What checking one CMS signature (mathematics only) gave.</summary>
internal enum SignatureOutcome
{
    /// <summary>A signer's signature verifies with strong algorithms and key.</summary>
    Valid,

    /// <summary>No signature verifies (tampered content, no signer certificate, no signature part).</summary>
    Invalid,

    /// <summary>A signature verifies, but only with MD5/SHA-1 or an RSA key under 2048 bits (issue 12 rule 4).</summary>
    Weak,

    /// <summary>The CMS could not be parsed or the verification threw: a permanent error of the message.</summary>
    PermError,
}

/// <summary>The outcome of checking one CMS signature (mathematics only).</summary>
internal sealed record SignatureCheck
{
    public required SignatureOutcome Outcome { get; init; }

    public bool IsValid => Outcome == SignatureOutcome.Valid;

    /// <summary>The certificate whose key verified the signature (Valid and Weak).</summary>
    public X509Certificate2? Signer { get; init; }

    public X509Certificate2Collection ExtraCertificates { get; init; } = [];

    public DateTimeOffset? SigningTime { get; init; }

    /// <summary>Why it is not valid, log-safe (an exception's type name, never its message).</summary>
    public string? Failure { get; init; }

    public static SignatureCheck Failed(string why) => new() { Outcome = SignatureOutcome.Invalid, Failure = why };

    public static SignatureCheck Error(string why) => new() { Outcome = SignatureOutcome.PermError, Failure = why };
}
