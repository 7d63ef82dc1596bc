using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// The openssl-made test PKI (make-test-pki.sh), made once for the whole test run: an IGC-Santé-like
/// hierarchy, a rogue copy with the same names, end certificates for each case, CRLs (current, stale,
/// signed by the wrong key), bundles in PEM/DER/p7b and a trusted-list signer.
/// </summary>
public sealed class TestPki : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new("mssgw-trust-pki");

    /// <summary>Port named by the certificates' CRL distribution points (http://127.0.0.1:port/ca.crl).</summary>
    public int HttpPort { get; } = FreePort.Next();

    /// <summary>Port named as OCSP responder by cps-ocsp*.pem.</summary>
    public int OcspPort { get; } = FreePort.Next();

    public string Root => _dir.Path;

    public async Task InitializeAsync()
    {
        // About 60 keys and 200 openssl runs: a minute on an idle machine, several while every test project
        // of ./test.sh runs at once on 2 shared cores. The timeout only guards against a hung openssl.
        var script = RepositoryPaths.Combine("tests", "MssGateway.Trust.Tests", "make-test-pki.sh");
        (await ExternalProcess.RunAsync("/bin/bash", [script, _dir.Path, HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), OcspPort.ToString(System.Globalization.CultureInfo.InvariantCulture)], timeout: TimeSpan.FromMinutes(10)))
            .EnsureSuccess("make-test-pki.sh");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _dir.Dispose();

    public string File(params string[] parts) => _dir.Combine(parts);

    /// <summary>An end certificate of certs/ (public part only, as a TLS peer presents it).</summary>
    public X509Certificate2 Leaf(string name) => X509CertificateLoader.LoadCertificateFromFile(File("certs", name + ".pem"));

    public X509Certificate2 Ca(string name) => X509CertificateLoader.LoadCertificateFromFile(File(name + ".pem"));

    /// <summary>DER CRL file of crl/.</summary>
    public string Crl(string name) => File("crl", name + ".crl");

    /// <summary>The default CRL files: every CA's current CRL.</summary>
    public List<string> CurrentCrls() => [Crl("root-fort"), Crl("root-elem"), Crl("ca-pers"), Crl("ca-org")];

    /// <summary>Options trusting the IGC-like anchors, revocation from the current CRL files, no download.</summary>
    public TrustOptions Options(TempDirectory work, Action<TrustOptions>? configure = null)
    {
        var o = new TrustOptions
        {
            AnchorPaths = [File("anchors.pem")],
            Revocation = new RevocationOptions
            {
                UseDistributionPoints = false,
                CrlFiles = CurrentCrls(),
                CacheDirectory = work.Combine("crl-cache"),
            },
        };
        configure?.Invoke(o);
        return o;
    }

    /// <summary>Validates certs/<paramref name="leaf"/> for client authentication with exactly the CRL files <paramref name="crls"/> of crl/.</summary>
    public async Task<CertificateVerdict> ValidateWithCrlsAsync(TempDirectory work, string leaf, params string[] crls)
    {
        using var engine = Engine(work, o => o.Revocation.CrlFiles = crls.Select(Crl).ToList());
        return await engine.ValidateAsync(Leaf(leaf), null, CertificateUsage.ClientAuth, null, default);
    }

    public CertificateTrustEngine Engine(TempDirectory work, Action<TrustOptions>? configure = null, TrustMetrics? metrics = null, TimeProvider? time = null) =>
        new(Microsoft.Extensions.Options.Options.Create(Options(work, configure)), metrics ?? new TrustMetrics(), time: time);
}
