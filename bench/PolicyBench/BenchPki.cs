using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Policy.Bench;

/// <summary>A root and an S/MIME signer made in memory for the benchmark (nothing is written to disk).</summary>
internal sealed class BenchPki : IDisposable
{
    public BenchPki(string signerEmail)
    {
        using var rootKey = RSA.Create(2048);
        var rootRequest = new CertificateRequest("CN=BENCH AC RACINE, O=BENCH, C=FR", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));

        using var signerKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=899700012349, O=BENCH, C=FR", signerKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress(signerEmail);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.4")], false));
        using var issued = request.Create(Root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), [1, 2, 3, 4]);
        Signer = issued.CopyWithPrivateKey(signerKey);
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Signer { get; }

    public void Dispose()
    {
        Root.Dispose();
        Signer.Dispose();
    }
}
