using System.Security.Cryptography.X509Certificates;
using MssGateway.Smtp;

namespace MssGateway.Host;

/// <summary>Who the client certificate says the client is (kept in the session for sender binding, headers and logs).</summary>
public sealed record ClientIdentity
{
    public const string SessionKey = "mssgw.client-identity";

    /// <summary>Subject DN (RFC 2253 text).</summary>
    public required string Subject { get; init; }

    public required string SerialNumber { get; init; }

    /// <summary>National identifier (8+RPPS…) of a CPS holder, or the structure identifier of an organisation/server certificate.</summary>
    public string? Identifier { get; init; }

    /// <summary>personal, organisation or server.</summary>
    public string Kind { get; init; } = "unknown";

    /// <summary>The trust engine's own identity object, for sender binding.</summary>
    public object? Details { get; init; }
}

/// <summary>Judges the client certificate after the TLS handshake (the trust engine in production).</summary>
public interface IClientCertificateCheck
{
    /// <summary>Returns the identity, or a refusal (reason label of DESIGN.md §3) for the session.</summary>
    ValueTask<(ClientIdentity? Identity, SmtpReply? Refusal)> CheckAsync(X509Certificate2 certificate, X509Certificate2Collection sentChain, string listener, CancellationToken cancellationToken);
}

/// <summary>Decides whether the certificate holder may use a MAIL FROM address (sender binding).</summary>
public interface ISenderCheck
{
    ValueTask<SmtpReply?> CheckAsync(ClientIdentity identity, string mailFrom, CancellationToken cancellationToken);
}
