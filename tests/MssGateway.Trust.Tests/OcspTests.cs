using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>OCSP (RFC 6960) against a real responder, `openssl ocsp`, on loopback (issue 3 §3).</summary>
[Collection(PkiCollection.Name)]
public sealed class OcspTests(TestPki pki) : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");
    private OpensslOcspResponder? _responder;

    public async Task InitializeAsync() => _responder = await OpensslOcspResponder.StartAsync(pki, "ca-pers");

    public async Task DisposeAsync()
    {
        if (_responder is not null)
        {
            await _responder.DisposeAsync();
        }
    }

    public void Dispose() => _work.Dispose();

    private CertificateTrustEngine OcspEngine() => pki.Engine(_work, o =>
    {
        // The PERSONNES CA has no CRL here: only OCSP can say.
        o.Revocation.CrlFiles = [pki.Crl("root-fort")];
        o.Revocation.UseOcsp = true;
    });

    [Fact]
    public async Task Certificate_the_responder_says_good_is_trusted()
    {
        using var engine = OcspEngine();
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-ocsp"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Certificate_the_responder_says_revoked_is_refused_as_client_cert_revoked()
    {
        using var engine = OcspEngine();
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-ocsp-revoked"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(verdict, "client_cert_revoked", 535, "5.7.8");
        Assert.Contains("OCSP", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_ocsp_enabled_the_same_certificate_is_revocation_unknown()
    {
        using var engine = pki.Engine(_work, o => o.Revocation.CrlFiles = [pki.Crl("root-fort")]);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-ocsp"), null, CertificateUsage.ClientAuth, null, default);
        Assert.Equal("client_cert_revocation_unknown", verdict.Reason);
    }
}
