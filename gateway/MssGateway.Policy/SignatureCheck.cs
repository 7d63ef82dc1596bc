using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Policy;

/// <summary>The outcome of checking one CMS signature (mathematics only).</summary>
internal sealed record SignatureCheck
{
    public required bool IsValid { get; init; }

    public X509Certificate2? Signer { get; init; }

    public X509Certificate2Collection ExtraCertificates { get; init; } = [];

    public DateTimeOffset? SigningTime { get; init; }

    /// <summary>Why it failed, log-safe.</summary>
    public string? Failure { get; init; }

    public static SignatureCheck Failed(string why) => new() { IsValid = false, Failure = why };
}
