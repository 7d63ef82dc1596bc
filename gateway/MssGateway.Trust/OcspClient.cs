using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Ocsp;

namespace MssGateway.Trust;

/// <summary>
/// OCSP (RFC 6960) for certificates that name a responder (AIA) when no usable CRL covers them and
/// <see cref="RevocationOptions.UseOcsp"/> is on. The response must be signed by the issuing CA or by
/// a responder certificate the CA issued with id-kp-OCSPSigning; answers are cached per certificate
/// until their nextUpdate (or one hour), so only the first connection of a certificate pays a round trip.
/// </summary>
internal sealed class OcspClient
{
    private const string OcspSigning = "1.3.6.1.5.5.7.3.9";
    private readonly RevocationOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, (RevocationResult Result, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    public OcspClient(RevocationOptions options, HttpClient http, TimeProvider time, ILogger logger)
    {
        _options = options;
        _http = http;
        _time = time;
        _logger = logger;
    }

    public async ValueTask<RevocationResult> CheckAsync(TrustedCertificate certificate, TrustedCertificate issuer, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var responders = CertificateExtensions.OcspResponders(certificate.Bc);
        if (responders.Count == 0)
        {
            return RevocationResult.Unknown($"no usable CRL of '{issuer.CommonName}' and no OCSP responder named");
        }

        var key = issuer.Thumbprint + "|" + certificate.Bc.SerialNumber.ToString(16);
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(key, out var hit) && hit.Until > now)
        {
            return hit.Result;
        }

        var id = new CertificateID(CertificateID.DigestSha1, issuer.Bc, certificate.Bc.SerialNumber);
        var generator = new OcspReqGenerator();
        generator.AddRequest(id);
        var request = generator.Generate().GetEncoded();
        foreach (var responder in responders)
        {
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(_options.FetchTimeout);
                using var content = new ByteArrayContent(request);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
                using var response = await _http.PostAsync(new Uri(responder), content, cts.Token).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                var body = await response.Content.ReadAsByteArrayAsync(cts.Token).ConfigureAwait(false);
                var (result, until) = Interpret(body, id, issuer, at, now);
                _cache[key] = (result, until);
                return result;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or OcspException
                or ArgumentException or InvalidCastException or Org.BouncyCastle.Security.Certificates.CertificateException && !cancellationToken.IsCancellationRequested)
            {
                TrustLog.OcspFailed(_logger, responder, ex.Message);
            }
        }

        return RevocationResult.Unknown($"no usable CRL of '{issuer.CommonName}' and no OCSP answer");
    }

    private (RevocationResult Result, DateTimeOffset Until) Interpret(byte[] body, CertificateID id, TrustedCertificate issuer, DateTimeOffset at, DateTimeOffset now)
    {
        var resp = new OcspResp(body);
        if (resp.Status != OcspRespStatus.Successful || resp.GetResponseObject() is not BasicOcspResp basic)
        {
            return (RevocationResult.Unknown($"OCSP responder answered status {resp.Status}"), now + _options.RetryInterval);
        }

        if (!SignedByIssuerOrDelegate(basic, issuer))
        {
            return (RevocationResult.Unknown("OCSP response not signed by the CA or its delegated responder"), now + _options.RetryInterval);
        }

        foreach (var single in basic.Responses)
        {
            if (!single.GetCertID().Equals(id))
            {
                continue;
            }

            var next = single.NextUpdate is { } n ? new DateTimeOffset(DateTime.SpecifyKind(n, DateTimeKind.Utc)) : (DateTimeOffset?)null;
            if (next is { } nu && now > nu + _options.Grace)
            {
                return (RevocationResult.Unknown($"OCSP response past its nextUpdate {nu:O}"), now + _options.RetryInterval);
            }

            var until = next ?? now + TimeSpan.FromHours(1);
            switch (single.GetCertStatus())
            {
                case null:
                    return (RevocationResult.Good("OCSP good"), until);
                case RevokedStatus revoked:
                    var when = new DateTimeOffset(DateTime.SpecifyKind(revoked.RevocationTime, DateTimeKind.Utc));
                    return when > at
                        ? (RevocationResult.Good($"OCSP: revoked on {when:O}, after the time checked"), until)
                        : (RevocationResult.Revoked($"OCSP: revoked since {when:O}"), until);
                default:
                    return (RevocationResult.Unknown("OCSP status unknown"), until);
            }
        }

        return (RevocationResult.Unknown("OCSP response does not cover the certificate"), now + _options.RetryInterval);
    }

    private static bool SignedByIssuerOrDelegate(BasicOcspResp basic, TrustedCertificate issuer)
    {
        if (issuer.PublicKey is { } key && basic.Verify(key))
        {
            return true;
        }

        foreach (var responder in basic.GetCerts())
        {
            var r = new TrustedCertificate(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(responder.GetEncoded()));
            var ekus = CertificateExtensions.ExtendedKeyUsages(r.Certificate);
            if (r.IssuerKey == issuer.SubjectKey && issuer.Signed(r) && ekus is not null && ekus.Contains(OcspSigning) && r.PublicKey is { } rk && basic.Verify(rk))
            {
                return true;
            }
        }

        return false;
    }
}
