using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MssGateway.DeliveryBench;

/// <summary>
/// How the smart sink answers: its port, its TLS certificate (STARTTLS), the shares of transactions it
/// refuses, how long it takes over a message's data and whether it sends the replies it holds before it reads
/// a chunk.
/// </summary>
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

    /// <summary>
    /// How long the answer to a message's data waits (<c>--latency-ms</c>, default 0): a receiver that writes
    /// the message to disk and syncs it before its 250, as Postfix's cleanup does (tens of milliseconds on a
    /// virtual disk), without the sink spending CPU on it.
    /// </summary>
    public TimeSpan Latency { get; init; }

    /// <summary>
    /// Whether the replies held for a pipelined group (RSET, MAIL, RCPT) are sent before a BDAT chunk is read
    /// (<c>--early-replies true</c>), as Postfix's smtpd sends them when a chunk is larger than its input buffer
    /// (a 20 KB message is): the client then gets them in one record and the chunk's answer in another. By
    /// default they wait and go out with the chunk's answer, in one record.
    /// </summary>
    public bool EarlyReplies { get; init; }

    /// <summary>
    /// A network round trip to emulate (<c>--rtt-ms</c>, default 0): once TLS is up (or at once on a plain
    /// connection), every group of replies reaches the client this long after the sink wrote it, in order, while
    /// the sink goes on reading — a peer across a WAN, where a client that waits for a reply before its next
    /// command loses a round trip per transaction and one that pipelines does not. Loopback has no netem here.
    /// </summary>
    public TimeSpan RoundTrip { get; init; }

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
            Latency = TimeSpan.FromMilliseconds(args.Double("latency-ms", 0)),
            EarlyReplies = args.Get("early-replies") == "true",
            RoundTrip = TimeSpan.FromMilliseconds(args.Double("rtt-ms", 0)),
        };
    }
}
