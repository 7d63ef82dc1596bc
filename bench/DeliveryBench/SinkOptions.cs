using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MssGateway.DeliveryBench;

/// <summary>How the smart sink answers: its port, its TLS certificate (STARTTLS) and the shares of transactions it refuses.</summary>
internal sealed class SinkOptions
{
    /// <summary>0: any free port.</summary>
    public int Port { get; init; }

    /// <summary>With a certificate, STARTTLS is offered.</summary>
    public X509Certificate2? Certificate { get; init; }

    public SslStreamCertificateContext? CertificateContext => Certificate is null ? null : _context ??= SslStreamCertificateContext.Create(Certificate, null, offline: true);

    private SslStreamCertificateContext? _context;

    public bool RequireClientCertificate { get; init; }

    /// <summary>Share of transactions answered 451 4.3.0 after the data.</summary>
    public double TempFailShare { get; init; }

    /// <summary>Share of transactions answered 554 5.7.1 after the data.</summary>
    public double PermFailShare { get; init; }

    public static SinkOptions FromArguments(BenchArguments args)
    {
        X509Certificate2? certificate = null;
        if (args.Get("cert") is { } cert && args.Get("key") is { } key)
        {
            using var pem = X509Certificate2.CreateFromPemFile(cert, key);
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }

        return new SinkOptions
        {
            Port = args.Int("port", 0),
            Certificate = certificate,
            RequireClientCertificate = args.Get("require-client-cert") == "true",
            TempFailShare = args.Double("tempfail", 0),
            PermFailShare = args.Double("permfail", 0),
        };
    }
}
