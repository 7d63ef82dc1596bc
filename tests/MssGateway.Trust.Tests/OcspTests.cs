using System.Diagnostics;
using System.Globalization;
using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>OCSP (RFC 6960) against a real responder, `openssl ocsp`, on loopback (issue 3 §3).</summary>
[Collection(PkiCollection.Name)]
public sealed class OcspTests(TestPki pki) : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");
    private Process? _responder;

    public async Task InitializeAsync()
    {
        var psi = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = pki.Root,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "ocsp", "-index", "db/ca-pers/index.txt", "-port", pki.OcspPort.ToString(CultureInfo.InvariantCulture),
            "-rsigner", "ca-pers.pem", "-rkey", "ca-pers.key", "-CA", "ca-pers.pem", "-ndays", "1" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["OPENSSL_CONF"] = "/dev/null";
        // The responder serves one connection at a time: wait for its banner rather than probing the port.
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _responder = new Process { StartInfo = psi };
        _responder.OutputDataReceived += (_, e) => Banner(e.Data);
        _responder.ErrorDataReceived += (_, e) => Banner(e.Data);
        _responder.Start();
        _responder.BeginOutputReadLine();
        _responder.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));

        void Banner(string? line)
        {
            if (line is not null && line.Contains("waiting for OCSP client connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }
    }

    public Task DisposeAsync()
    {
        if (_responder is { HasExited: false })
        {
            _responder.Kill();
        }

        _responder?.Dispose();
        return Task.CompletedTask;
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
