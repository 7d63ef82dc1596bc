using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace MssGateway.Delivery;

/// <summary>
/// The gateway's own IGC-Santé server certificate, presented as TLS client certificate to other
/// operators (mutual TLS). Loaded from PEM files once, and again when the files change (a renewed
/// Kubernetes Secret), so a renewal needs no restart.
/// </summary>
public sealed class ClientCertificateSource
{
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly Lock _lock = new();
    private (string Key, SslStreamCertificateContext? Context) _cached = (string.Empty, null);

    public ClientCertificateSource(IOptionsMonitor<DeliveryOptions> options)
    {
        _options = options;
    }

    /// <summary>The certificate with its intermediates, or null when none is configured.</summary>
    public SslStreamCertificateContext? Current
    {
        get
        {
            var o = _options.CurrentValue;
            if (string.IsNullOrEmpty(o.ClientCertificateFile) || string.IsNullOrEmpty(o.ClientKeyFile))
            {
                return null;
            }

            var key = string.Join('|', o.ClientCertificateFile, o.ClientKeyFile, o.ClientChainFile, Stamp(o.ClientCertificateFile), Stamp(o.ClientKeyFile), Stamp(o.ClientChainFile));
            lock (_lock)
            {
                if (_cached.Key != key)
                {
                    _cached = (key, Load(o.ClientCertificateFile, o.ClientKeyFile, o.ClientChainFile));
                }

                return _cached.Context;
            }
        }
    }

    private static SslStreamCertificateContext Load(string certificateFile, string keyFile, string? chainFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        // Re-import through PKCS#12 so the key is usable by SslStream on every platform.
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var chain = new X509Certificate2Collection();
        if (!string.IsNullOrEmpty(chainFile))
        {
            chain.ImportFromPemFile(chainFile);
        }
        else
        {
            // A certificate file may carry its intermediates after the leaf.
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(certificateFile);
            foreach (var c in all)
            {
                if (c.Thumbprint != certificate.Thumbprint)
                {
                    chain.Add(c);
                }
            }
        }

        return SslStreamCertificateContext.Create(certificate, chain, offline: true);
    }

    private static string Stamp(string? file) =>
        string.IsNullOrEmpty(file) || !File.Exists(file) ? string.Empty : File.GetLastWriteTimeUtc(file).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
