using System.Net.Security;
using System.Security.Authentication;

namespace MssGateway.Smtp;

/// <summary>
/// The server side of TLS: certificate (with its chain), protocol versions and cipher suites.
/// DESIGN.md §3: TLS 1.2 and 1.3 only; for TLS 1.2 only ECDHE with AES-GCM by default.
/// The product may replace the instance at run time (certificate renewal) through
/// <see cref="SmtpServer.Tls"/>.
/// </summary>
public sealed class SmtpTlsSettings
{
    /// <summary>TLS 1.3 suites and the TLS 1.2 ECDHE + AES-GCM suites.</summary>
    public static IReadOnlyList<TlsCipherSuite> DefaultCipherSuites { get; } =
    [
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];

    public required SslStreamCertificateContext ServerCertificate { get; init; }

    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Allowed suites; null lets the platform decide (not recommended).</summary>
    public IReadOnlyList<TlsCipherSuite>? CipherSuites { get; init; } = DefaultCipherSuites;

    private CipherSuitesPolicy? _policy;

    /// <summary>The policy object for SslStream, built once (null where the platform cannot restrict suites).</summary>
    internal CipherSuitesPolicy? CipherSuitesPolicy =>
        CipherSuites is not null && (OperatingSystem.IsLinux() || OperatingSystem.IsFreeBSD() || OperatingSystem.IsMacOS())
            ? _policy ??= new CipherSuitesPolicy(CipherSuites)
            : null;
}
