using System.Net;
using Microsoft.Extensions.Options;
using MssGateway.Trust;

namespace MssGateway.Fuzzing.Targets;

/// <summary>
/// A <see cref="CertificateTrustEngine"/> over the fuzz PKI's root, built fresh per input (no CRL,
/// OCSP or verdict state carries over from one input to the next), whose HTTP client answers the
/// leaf's CRL distribution point and OCSP responder with the bytes under test. The engine's HTTP
/// client is the seam production uses to download revocation data, so the bytes go through exactly
/// the code that parses a downloaded CRL or OCSP response.
/// </summary>
internal sealed class TrustEngineHarness(FuzzContext context) : IDisposable
{
    private readonly TrustMetrics _metrics = new();
    private readonly Lazy<string> _anchors = new(() =>
    {
        var path = Path.Combine(context.Scratch, "root.pem");
        File.WriteAllText(path, context.Pki.Root.ExportCertificatePem() + "\n");
        return path;
    });

    /// <summary>Validates <paramref name="leaf"/> for client authentication with these answers from the network.</summary>
    public CertificateVerdictSummary Validate(System.Security.Cryptography.X509Certificates.X509Certificate2 leaf, byte[]? crl, byte[]? ocsp, bool revocation = true)
    {
        var cache = context.NewScratchDirectory();
        try
        {
            var options = new TrustOptions
            {
                AnchorPaths = [_anchors.Value],
                VerdictCacheDuration = TimeSpan.Zero,
                Revocation = new RevocationOptions
                {
                    Enabled = revocation,
                    CacheDirectory = cache,
                    UseDistributionPoints = true,
                    UseOcsp = ocsp is not null,

                    // The responder answers with the fuzzer's bytes, prepared before the request: it cannot
                    // echo the request's nonce. The nonce check has its own tests (OcspResponderAttackTests).
                    OcspNonce = false,
                },
            };
            using var http = new HttpClient(new Responder(crl, ocsp));
            using var engine = new CertificateTrustEngine(Options.Create(options), _metrics, http: http);

            // SharpFuzz calls a synchronous action: block on the one validation.
            var verdict = engine.ValidateAsync(leaf, null, CertificateUsage.ClientAuth, null, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            return new CertificateVerdictSummary(verdict.IsTrusted, verdict.Reason);
        }
        finally
        {
            System.IO.Directory.Delete(cache, recursive: true);
        }
    }

    public void Dispose() => _metrics.Dispose();

    /// <summary>Serves the CRL at the CRL URL and the OCSP response at the responder; 404 otherwise.</summary>
    private sealed class Responder(byte[]? crl, byte[]? ocsp) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri?.ToString();
            var body = url == FuzzPki.CrlUrl ? crl : url == FuzzPki.OcspUrl ? ocsp : null;
            var response = body is null
                ? new HttpResponseMessage(HttpStatusCode.NotFound)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
            return Task.FromResult(response);
        }
    }
}

/// <summary>What a validation said, for the fuzz outcome.</summary>
internal sealed record CertificateVerdictSummary(bool IsTrusted, string? Reason);
