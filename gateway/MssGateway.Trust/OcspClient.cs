using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;

namespace MssGateway.Trust;

/// <summary>
/// OCSP (RFC 6960) for certificates that name a responder (AIA) when no usable CRL covers them and
/// <see cref="RevocationOptions.UseOcsp"/> is on. A response is used only when it cannot be an old or
/// someone else's answer: signed by the issuing CA, or by a delegated responder the CA issued directly
/// with id-kp-OCSPSigning, valid now, named by the ResponderID and itself not revoked on the CA's CRL
/// (unless it carries id-pkix-ocsp-nocheck) (RFC 6960 §4.2.2.2); echoing the nonce we sent (RFC 8954);
/// thisUpdate within <see cref="RevocationOptions.OcspMaxAge"/>, nextUpdate not passed (§4.2.2.1).
/// Answers are cached per certificate until their nextUpdate (or a short default), never beyond.
/// </summary>
internal sealed class OcspClient
{
    private const string OcspSigning = "1.3.6.1.5.5.7.3.9";
    private const string OcspNoCheck = "1.3.6.1.5.5.7.48.1.5";
    private const int MaxResponseBytes = 1024 * 1024;

    private readonly RevocationOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TrustMetrics? _metrics;
    private readonly Func<TrustedCertificate, TrustedCertificate, DateTimeOffset, RevocationResult> _crlCheck;
    private readonly ConcurrentDictionary<string, (RevocationResult Result, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <param name="crlCheck">Revocation of a delegated responder certificate from the CA's CRLs.</param>
    public OcspClient(RevocationOptions options, HttpClient http, TimeProvider time, ILogger logger, TrustMetrics? metrics, Func<TrustedCertificate, TrustedCertificate, DateTimeOffset, RevocationResult> crlCheck)
    {
        _options = options;
        _http = http;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _crlCheck = crlCheck;
    }

    /// <summary>The OCSP status of <paramref name="certificate"/>; null when it names no responder (the CRL answer stands).</summary>
    public async ValueTask<RevocationResult?> CheckAsync(TrustedCertificate certificate, TrustedCertificate issuer, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var responders = CertificateExtensions.OcspResponders(certificate.Bc);
        if (responders.Count == 0)
        {
            return null;
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
        byte[]? nonce = null;
        if (_options.OcspNonce)
        {
            nonce = new DerOctetString(RandomNumberGenerator.GetBytes(16)).GetEncoded();
            var extensions = new Org.BouncyCastle.Asn1.X509.X509ExtensionsGenerator();
            extensions.AddExtension(OcspObjectIdentifiers.PkixOcspNonce, false, nonce);
            generator.SetRequestExtensions(extensions.Generate());
        }

        var request = generator.Generate().GetEncoded();
        foreach (var responder in responders)
        {
            byte[] body;
            try
            {
                body = await PostAsync(responder, request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or InvalidDataException && !cancellationToken.IsCancellationRequested)
            {
                _metrics?.OcspResponse("error");
                TrustLog.OcspFailed(_logger, responder, ex.Message);
                continue;
            }

            RevocationResult result;
            DateTimeOffset until;
            try
            {
                (result, until) = Interpret(body, id, issuer, at, now, nonce);
            }
            catch (Exception ex) when (ex is OcspException or IOException or ArgumentException or InvalidCastException or Asn1Exception
                or InvalidOperationException or Org.BouncyCastle.Security.Certificates.CertificateException or CryptographicException)
            {
                (result, until) = (RevocationResult.Unknown(CertificateCheckDetails.OcspUnavailable, "unreadable OCSP response: " + ex.Message), now + _options.RetryInterval);
            }

            var label = result.State switch
            {
                RevocationState.Good => "good",
                RevocationState.Revoked => "revoked",
                _ => result.Code,
            };
            _metrics?.OcspResponse(label);
            if (result.State == RevocationState.Unknown)
            {
                TrustLog.OcspResponseRefused(_logger, responder, result.Code, result.Detail);
            }

            _cache[key] = (result, until);
            return result;
        }

        return RevocationResult.Unknown(CertificateCheckDetails.OcspUnavailable, $"no usable CRL of '{issuer.CommonName}' and no OCSP answer");
    }

    private async Task<byte[]> PostAsync(string responder, byte[] request, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(_options.FetchTimeout);
        using var content = new ByteArrayContent(request);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
        using var response = await _http.PostAsync(new Uri(responder), content, cts.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        if (response.Content.Headers.ContentLength > MaxResponseBytes)
        {
            throw new InvalidDataException($"OCSP response larger than {MaxResponseBytes} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await stream.ReadAsync(chunk, cts.Token).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxResponseBytes)
            {
                throw new InvalidDataException($"OCSP response larger than {MaxResponseBytes} bytes");
            }
        }

        return buffer.ToArray();
    }

    private (RevocationResult Result, DateTimeOffset Until) Interpret(byte[] body, CertificateID id, TrustedCertificate issuer, DateTimeOffset at, DateTimeOffset now, byte[]? nonce)
    {
        var retry = now + _options.RetryInterval;
        var resp = new OcspResp(body);
        if (resp.Status != OcspRespStatus.Successful || resp.GetResponseObject() is not BasicOcspResp basic)
        {
            return (RevocationResult.Unknown(CertificateCheckDetails.OcspUnavailable, $"OCSP responder answered status {resp.Status}"), retry);
        }

        if (TrustedCertificate.IsWeakAlgorithm(basic.SignatureAlgorithm.Algorithm.Id))
        {
            return (RevocationResult.Unknown(CertificateCheckDetails.OcspResponder, $"OCSP response signed with the weak algorithm {basic.SignatureAlgorithm.Algorithm.Id}"), retry);
        }

        var signer = AuthorisedSigner(basic, issuer, now);
        if (signer.Refusal is { } refusal)
        {
            return (refusal, retry);
        }

        if (nonce is not null)
        {
            var echoed = basic.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce)?.GetOctets();
            if (echoed is null)
            {
                return (RevocationResult.Unknown(CertificateCheckDetails.OcspNonce, "OCSP response without the nonce of the request (replayed or pre-signed answer)"), retry);
            }

            if (!echoed.AsSpan().SequenceEqual(nonce))
            {
                return (RevocationResult.Unknown(CertificateCheckDetails.OcspNonce, "OCSP response with another nonce than the request's (replayed answer)"), retry);
            }
        }

        foreach (var single in basic.Responses)
        {
            if (!single.GetCertID().Equals(id))
            {
                continue;
            }

            var thisUpdate = new DateTimeOffset(DateTime.SpecifyKind(single.ThisUpdate, DateTimeKind.Utc));
            if (thisUpdate > now + _options.OcspClockSkew)
            {
                return (RevocationResult.Unknown(CertificateCheckDetails.OcspStale, $"OCSP thisUpdate {thisUpdate:O} is in the future"), retry);
            }

            if (now - thisUpdate > _options.OcspMaxAge)
            {
                return (RevocationResult.Unknown(CertificateCheckDetails.OcspStale, $"OCSP thisUpdate {thisUpdate:O} is older than {_options.OcspMaxAge}"), retry);
            }

            var next = single.NextUpdate is { } n ? new DateTimeOffset(DateTime.SpecifyKind(n, DateTimeKind.Utc)) : (DateTimeOffset?)null;
            if (next is { } nu && now > nu)
            {
                return (RevocationResult.Unknown(CertificateCheckDetails.OcspStale, $"OCSP response past its nextUpdate {nu:O}"), retry);
            }

            // Reuse until nextUpdate (or a short default), and never once thisUpdate is too old.
            var until = next ?? now + _options.OcspDefaultValidity;
            if (thisUpdate + _options.OcspMaxAge < until)
            {
                until = thisUpdate + _options.OcspMaxAge;
            }

            if (signer.ValidUntil is { } signerUntil && signerUntil < until)
            {
                until = signerUntil;
            }

            switch (single.GetCertStatus())
            {
                case null:
                    return (RevocationResult.Good($"OCSP good ({signer.Who}, thisUpdate {thisUpdate:O})", until), until);
                case RevokedStatus revoked:
                    var when = new DateTimeOffset(DateTime.SpecifyKind(revoked.RevocationTime, DateTimeKind.Utc));
                    return when > at
                        ? (RevocationResult.Good($"OCSP: revoked on {when:O}, after the time checked", until), until)
                        : (RevocationResult.Revoked(CertificateCheckDetails.RevokedByOcsp, $"OCSP ({signer.Who}): revoked since {when:O}"), until);
                default:
                    return (RevocationResult.Unknown(CertificateCheckDetails.OcspStatusUnknown, "OCSP status unknown"), until);
            }
        }

        return (RevocationResult.Unknown(CertificateCheckDetails.OcspStatusUnknown, "OCSP response does not cover the certificate"), retry);
    }

    /// <summary>The signer of the response if it may speak for <paramref name="issuer"/> (RFC 6960 §4.2.2.2), else the refusal.</summary>
    private (string Who, DateTimeOffset? ValidUntil, RevocationResult? Refusal) AuthorisedSigner(BasicOcspResp basic, TrustedCertificate issuer, DateTimeOffset now)
    {
        if (issuer.PublicKey is { } key && Named(basic.ResponderId, issuer) && basic.Verify(key))
        {
            return ("signed by the CA", null, null);
        }

        var reasons = new List<string>();
        foreach (var candidate in basic.GetCerts() ?? [])
        {
            var (ok, why, validUntil) = CheckDelegate(basic, candidate, issuer, now);
            if (ok)
            {
                return ($"delegated responder '{why}'", validUntil, null);
            }

            if (why.StartsWith("revocation:", StringComparison.Ordinal))
            {
                return (string.Empty, null, RevocationResult.Unknown(CertificateCheckDetails.OcspResponderRevocation, "OCSP responder certificate " + why));
            }

            reasons.Add(why);
        }

        var detail = reasons.Count == 0
            ? "OCSP response not signed by the CA, and no responder certificate included"
            : "OCSP response not signed by the CA or a responder it authorised: " + string.Join("; ", reasons);
        return (string.Empty, null, RevocationResult.Unknown(CertificateCheckDetails.OcspResponder, detail));
    }

    private (bool Ok, string Why, DateTimeOffset? ValidUntil) CheckDelegate(BasicOcspResp basic, X509Certificate candidate, TrustedCertificate issuer, DateTimeOffset now)
    {
        var r = new TrustedCertificate(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(candidate.GetEncoded()));
        var name = r.CommonName;
        if (r.IssuerKey != issuer.SubjectKey || !issuer.Signed(r))
        {
            return (false, $"'{name}' is not issued by '{issuer.CommonName}'", null);
        }

        var ekus = CertificateExtensions.ExtendedKeyUsages(r.Certificate);
        if (ekus is null || !ekus.Contains(OcspSigning))
        {
            return (false, $"'{name}' has no id-kp-OCSPSigning extended key usage", null);
        }

        var utc = now.UtcDateTime;
        if (utc < r.Certificate.NotBefore.ToUniversalTime() || utc > r.Certificate.NotAfter.ToUniversalTime())
        {
            return (false, $"'{name}' is not valid now (valid {r.Certificate.NotBefore.ToUniversalTime():O} to {r.Certificate.NotAfter.ToUniversalTime():O})", null);
        }

        if (CertificateExtensions.KeyUsage(r.Certificate) is { } ku && (ku.KeyUsages & (System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature | System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.NonRepudiation)) == 0)
        {
            return (false, $"'{name}' key usage {ku.KeyUsages} does not allow signing", null);
        }

        if (!Named(basic.ResponderId, r) || r.PublicKey is not { } rk || !basic.Verify(rk))
        {
            return (false, $"the response is not signed by '{name}'", null);
        }

        if (r.Certificate.Extensions[OcspNoCheck] is not null)
        {
            return (true, name, new DateTimeOffset(r.Certificate.NotAfter.ToUniversalTime()));
        }

        // Without ocsp-nocheck the responder's own certificate must be shown not revoked (CRLs only: no OCSP loop).
        var status = _crlCheck(r, issuer, now);
        return status.State == RevocationState.Good
            ? (true, name, status.ValidUntil)
            : (false, $"revocation: '{name}' {(status.State == RevocationState.Revoked ? "is revoked" : "has no known revocation status")} ({status.Detail})", null);
    }

    private static bool Named(RespID responderId, TrustedCertificate certificate)
    {
        var id = ResponderID.GetInstance(responderId.ToAsn1Object());
        if (id.Name is { } name)
        {
            return DistinguishedName.FromDer(name.GetEncoded()).CanonicalKey == certificate.SubjectKey;
        }

        var keyHash = id.GetKeyHash();
        if (keyHash is null)
        {
            return false;
        }

        // byKey: SHA-1 of the subjectPublicKey BIT STRING value (RFC 6960 §4.2.1).
        var spki = certificate.Bc.CertificateStructure.SubjectPublicKeyInfo.PublicKey.GetBytes();
        return SHA1.HashData(spki).AsSpan().SequenceEqual(keyHash);
    }
}
