using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Smtp;

/// <summary>
/// The server side of TLS: certificate (with its chain), protocol versions and cipher suites.
/// DESIGN.md §3: TLS 1.2 and 1.3 only; for TLS 1.2 only ECDHE with AES-GCM by default.
/// The product may replace the instance at run time (certificate renewal) through
/// <see cref="SmtpServer.Tls"/>.
/// </summary>
/// <remarks>
/// Session resumption (TLS 1.3 PSK tickets, TLS 1.2 tickets): .NET on Linux keeps one OpenSSL
/// context per server certificate, with its session cache and ticket keys, only when no
/// <see cref="System.Net.Security.CipherSuitesPolicy"/> is given (dotnet/runtime
/// Interop.OpenSsl.AllocateSslHandle); with a policy every handshake gets a fresh context and no
/// client can resume. With <see cref="Resumption"/> on (the default) the engine therefore gives no
/// policy to SslStream and enforces <see cref="CipherSuites"/> right after the handshake instead: a
/// session on any other suite is closed before a byte of SMTP is exchanged (docs/smtp.md "TLS").
/// </remarks>
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

    private CipherSuitesPolicy? _policy;
    private HashSet<TlsCipherSuite>? _allowed;

    public required SslStreamCertificateContext ServerCertificate { get; init; }

    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Allowed suites; null lets the platform decide (not recommended).</summary>
    public IReadOnlyList<TlsCipherSuite>? CipherSuites { get; init; } = DefaultCipherSuites;

    /// <summary>
    /// Offer TLS session resumption (default true): the suites are then enforced after the handshake
    /// rather than by OpenSSL during it (see the remarks). False restores a per-handshake context with
    /// the suite list given to OpenSSL, and no resumption.
    /// </summary>
    public bool Resumption { get; init; } = true;

    /// <summary>
    /// Root certificates for SslStream's own chain build of a client certificate. The engine never judges
    /// by that build (the session hooks' trust engine does), but SslStream always runs it: with an empty
    /// root store its first pass never reaches a root and .NET verifies the chain again to collect each
    /// element's errors (docs/benchmarks.md, "Where the client certificate's 2.9 ms go"). Giving it the
    /// configured anchors lets the first pass succeed. Empty: an empty store (the system's roots stay out).
    /// </summary>
    public X509Certificate2Collection ChainRoots { get; init; } = [];

    /// <summary>The policy object for SslStream, built once (null with resumption, or where the platform cannot restrict suites).</summary>
    internal CipherSuitesPolicy? CipherSuitesPolicy =>
        !Resumption && CipherSuites is not null && (OperatingSystem.IsLinux() || OperatingSystem.IsFreeBSD() || OperatingSystem.IsMacOS())
            ? _policy ??= new CipherSuitesPolicy(CipherSuites)
            : null;

    /// <summary>Whether a negotiated suite is one of <see cref="CipherSuites"/> (always true when no list is set).</summary>
    internal bool IsAllowed(TlsCipherSuite suite) =>
        CipherSuites is null || (_allowed ??= [.. CipherSuites]).Contains(suite);
}
