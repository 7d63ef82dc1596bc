using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// A TLS session as the hooks saw it after the handshake: copies of the certificates (the session owns
/// and releases the originals when it ends), whether the originals were readable then, and the
/// originals themselves, to check that they were released.
/// </summary>
public sealed class SeenTlsSession
{
    private SeenTlsSession(SmtpSessionInfo info, X509Certificate2? clientCertificate, X509Certificate2Collection chain, bool chainKeysReadable)
    {
        Info = info;
        ClientCertificate = clientCertificate;
        ClientCertificateChain = chain;
        ChainKeysReadable = chainKeysReadable;
        Originals = [.. info.ClientCertificateChain, .. info.ClientCertificate is { } c ? [c] : Array.Empty<X509Certificate2>()];
    }

    public SmtpSessionInfo Info { get; }

    public X509Certificate2? ClientCertificate { get; }

    public X509Certificate2Collection ClientCertificateChain { get; }

    /// <summary>Every certificate of the chain had a readable public key when the hooks ran (after SslStream disposed its chain).</summary>
    public bool ChainKeysReadable { get; }

    /// <summary>The session's own certificate objects.</summary>
    public IReadOnlyList<X509Certificate2> Originals { get; }

    public static SeenTlsSession Copy(SmtpSessionInfo info)
    {
        var chain = new X509Certificate2Collection();
        var readable = true;
        foreach (var c in info.ClientCertificateChain)
        {
            chain.Add(X509CertificateLoader.LoadCertificate(c.RawData));
            using var rsa = c.PublicKey.GetRSAPublicKey();
            using var ecdsa = rsa is null ? c.PublicKey.GetECDsaPublicKey() : null;
            readable &= rsa is not null || ecdsa is not null;
        }

        var client = info.ClientCertificate is { } cert ? X509CertificateLoader.LoadCertificate(cert.RawData) : null;
        return new SeenTlsSession(info, client, chain, readable);
    }
}
