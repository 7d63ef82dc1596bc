using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MssGateway.Smtp;

namespace MssGateway.Host;

/// <summary>Loads the gateway's certificate and key from PEM files into TLS settings for the engine.</summary>
public static class ServerCertificateLoader
{
    /// <param name="chainRoots">The self-issued trust anchors, for SslStream's own chain build (see <see cref="SmtpTlsSettings.ChainRoots"/>).</param>
    public static SmtpTlsSettings Load(TlsFileOptions options, X509Certificate2Collection? chainRoots = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var leaf = X509Certificate2.CreateFromPemFile(options.CertificateFile!, options.KeyFile);
        // Ephemeral keys cannot be used by OpenSSL-backed SslStream on every platform; re-import as PKCS#12 in memory.
        var usable = X509CertificateLoader.LoadPkcs12(leaf.Export(X509ContentType.Pkcs12), null);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(options.CertificateFile!);
        if (options.ChainFile is not null)
        {
            chain.ImportFromPemFile(options.ChainFile);
        }

        var intermediates = new X509Certificate2Collection();
        foreach (var c in chain)
        {
            if (c.Thumbprint != usable.Thumbprint)
            {
                intermediates.Add(c);
            }
        }

        var suites = options.CipherSuites.Count == 0
            ? SmtpTlsSettings.DefaultCipherSuites
            : options.CipherSuites.Select(s => Enum.Parse<TlsCipherSuite>(s)).ToArray();
        return new SmtpTlsSettings
        {
            ServerCertificate = SslStreamCertificateContext.Create(usable, intermediates, offline: true),
            Protocols = options.MinimumProtocol == TlsMinimumProtocol.Tls13 ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13,
            CipherSuites = suites,
            Resumption = options.Resumption,
            ChainRoots = chainRoots ?? [],
        };
    }

    /// <summary>The self-issued certificates of the configured anchor files (roots; intermediates are left out).</summary>
    public static X509Certificate2Collection RootsOf(IEnumerable<string> anchorPaths)
    {
        ArgumentNullException.ThrowIfNull(anchorPaths);
        var roots = new X509Certificate2Collection();
        foreach (var path in anchorPaths)
        {
            foreach (var c in MssGateway.Trust.CertificateBundleReader.ReadPath(path))
            {
                if (c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData))
                {
                    roots.Add(c);
                }
                else
                {
                    c.Dispose();
                }
            }
        }

        return roots;
    }
}
