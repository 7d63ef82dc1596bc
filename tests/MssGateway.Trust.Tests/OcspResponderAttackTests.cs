using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// Issue 12 rule 6, OCSP (RFC 6960 §4.2.2): an attacker who can answer on the responder's address, or
/// who recorded an earlier answer, must not get a revoked card through. Each test runs a real
/// `openssl ocsp` responder on loopback (or replays a response `openssl ocsp -respout` recorded), for
/// cps-ocsp, whose PERSONNES CA has no CRL here: only OCSP can say.
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class OcspResponderAttackTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    private CertificateTrustEngine Engine(Action<TrustOptions>? configure = null, TimeProvider? time = null) => pki.Engine(_work, o =>
    {
        o.Revocation.CrlFiles = [pki.Crl("root-fort")];
        o.Revocation.UseOcsp = true;
        o.Revocation.FetchTimeout = TimeSpan.FromSeconds(10);
        configure?.Invoke(o);
    }, time: time);

    private async Task<CertificateVerdict> CheckAsync(CertificateTrustEngine engine, string leaf = "cps-ocsp") =>
        await engine.ValidateAsync(pki.Leaf(leaf), null, CertificateUsage.ClientAuth, null, default);

    private static void AssertUnknown(CertificateVerdict verdict, string detail)
    {
        PathValidationTests.AssertRefused(verdict, "client_cert_revocation_unknown", 535, "5.7.8");
        Assert.True(detail == verdict.DetailCode, $"expected {detail}, got {verdict.DetailCode}: {verdict.Detail}");
    }

    [Fact]
    public async Task Delegated_responder_issued_by_the_ca_with_ocsp_signing_and_nocheck_is_believed()
    {
        await using var responder = await OpensslOcspResponder.StartAsync(pki, "ocsp-signer");
        using var engine = Engine();
        var good = await CheckAsync(engine);
        Assert.True(good.IsTrusted, good.Detail);
        var revoked = await CheckAsync(engine, "cps-ocsp-revoked");
        PathValidationTests.AssertRefused(revoked, "client_cert_revoked", 535, "5.7.8");
        Assert.Equal("ocsp_revoked", revoked.DetailCode);
    }

    [Fact]
    public async Task Response_signed_by_a_certificate_of_the_ca_without_ocsp_signing_is_not_believed()
    {
        // A card holder of the same CA signs "good" for a revoked card with their own key.
        await using var responder = await OpensslOcspResponder.StartAsync(pki, "ocsp-no-eku");
        using var engine = Engine();
        var verdict = await CheckAsync(engine, "cps-ocsp-revoked");
        AssertUnknown(verdict, "ocsp_responder");
        Assert.Contains("id-kp-OCSPSigning", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Responder_certified_by_another_ca_is_not_believed()
    {
        await using var responder = await OpensslOcspResponder.StartAsync(pki, "ocsp-other-ca");
        using var engine = Engine();
        var verdict = await CheckAsync(engine, "cps-ocsp-revoked");
        AssertUnknown(verdict, "ocsp_responder");
        Assert.Contains("not issued by 'TEST AC IGC-SANTE FORT PERSONNES'", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_responder_certificate_is_not_believed()
    {
        await using var responder = await OpensslOcspResponder.StartAsync(pki, "ocsp-expired");
        using var engine = Engine();
        var verdict = await CheckAsync(engine, "cps-ocsp-revoked");
        AssertUnknown(verdict, "ocsp_responder");
        Assert.Contains("not valid now", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoked_responder_without_nocheck_is_not_believed()
    {
        // Its distribution point's CRL lists it: its "good" answers are worth nothing.
        await using var responder = await OpensslOcspResponder.StartAsync(pki, "ocsp-checked-revoked");
        using var engine = Engine(o => o.Revocation.CrlFiles = [pki.Crl("root-fort"), pki.Crl("ca-pers-responders")]);
        var verdict = await CheckAsync(engine, "cps-ocsp-revoked");
        AssertUnknown(verdict, "ocsp_responder_revocation");
        Assert.Contains("is revoked", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Responder_without_nocheck_is_believed_only_once_a_crl_shows_it_is_not_revoked()
    {
        await using var responder = await OpensslOcspResponder.StartAsync(pki, "ocsp-checked");
        using (var withoutCrl = Engine())
        {
            AssertUnknown(await CheckAsync(withoutCrl), "ocsp_responder_revocation");
        }

        using var engine = Engine(o => o.Revocation.CrlFiles = [pki.Crl("root-fort"), pki.Crl("ca-pers-responders")]);
        var verdict = await CheckAsync(engine);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Response_without_the_nonce_we_sent_is_refused_unless_nonces_are_off()
    {
        // A pre-signed (or recorded) answer made for a request without a nonce.
        var response = await RecordedResponseAsync(withNonce: false);
        await using var server = StaticFileServer.Canned(pki.OcspPort, response);
        using (var engine = Engine())
        {
            AssertUnknown(await CheckAsync(engine), "ocsp_nonce");
        }

        using var noNonce = Engine(o => o.Revocation.OcspNonce = false);
        var verdict = await CheckAsync(noNonce);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public async Task Replayed_response_to_an_earlier_request_is_refused()
    {
        // Recorded while the card was good, with the nonce of that earlier request.
        var response = await RecordedResponseAsync(withNonce: true);
        await using var server = StaticFileServer.Canned(pki.OcspPort, response);
        using var engine = Engine();
        var verdict = await CheckAsync(engine);
        AssertUnknown(verdict, "ocsp_nonce");
        Assert.Contains("another nonce", verdict.Detail, StringComparison.Ordinal);
        Assert.Equal(1, server.Requests.Values.Sum());
    }

    [Fact]
    public async Task Response_whose_this_update_is_older_than_the_freshness_window_is_stale()
    {
        // The responder says "valid 7 days"; two days on, the answer is still older than OcspMaxAge (1 day).
        await using var responder = await OpensslOcspResponder.StartAsync(pki, "ca-pers", "-ndays", "7");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow.AddDays(2));
        using var engine = Engine(time: clock);
        var verdict = await CheckAsync(engine);
        AssertUnknown(verdict, "ocsp_stale");
        Assert.Contains("older than", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Response_past_its_next_update_is_stale_without_grace()
    {
        await using var responder = await OpensslOcspResponder.StartAsync(pki, "ca-pers", "-nmin", "1");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(3));
        using var engine = Engine(time: clock);
        var verdict = await CheckAsync(engine);
        AssertUnknown(verdict, "ocsp_stale");
        Assert.Contains("past its nextUpdate", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Neither_the_ocsp_cache_nor_the_verdict_cache_outlives_the_response_next_update()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var engine = Engine(o => o.VerdictCacheDuration = TimeSpan.FromMinutes(30), time: clock);
        await using (var responder = await OpensslOcspResponder.StartAsync(pki, "ca-pers", "-nmin", "2"))
        {
            var first = await CheckAsync(engine);
            Assert.True(first.IsTrusted, first.Detail);
            var cached = await CheckAsync(engine);
            Assert.True(cached.FromCache);
        }

        // The responder is gone; three minutes on, the answer's nextUpdate has passed: nothing cached may say "good".
        clock.Now = clock.Now.AddMinutes(3);
        var later = await CheckAsync(engine);
        Assert.False(later.FromCache);
        AssertUnknown(later, "ocsp_unavailable");
    }

    /// <summary>An answer for cps-ocsp made by `openssl ocsp -reqin … -respout` for a request of its own (with or without a nonce).</summary>
    private async Task<byte[]> RecordedResponseAsync(bool withNonce)
    {
        var request = _work.Combine("request.der");
        var response = _work.Combine("response.der");
        var env = new Dictionary<string, string> { ["OPENSSL_CONF"] = "/dev/null" };
        (await ExternalProcess.RunAsync("openssl", ["ocsp", "-issuer", "ca-pers.pem", "-cert", "certs/cps-ocsp.pem", withNonce ? "-nonce" : "-no_nonce", "-reqout", request], pki.Root, environment: env))
            .EnsureSuccess("openssl ocsp -reqout");
        (await ExternalProcess.RunAsync("openssl", ["ocsp", "-index", "db/ca-pers/index.txt", "-rsigner", "ca-pers.pem", "-rkey", "ca-pers.key", "-CA", "ca-pers.pem", "-reqin", request, "-respout", response, "-ndays", "1"], pki.Root, environment: env))
            .EnsureSuccess("openssl ocsp -respout");
        return await File.ReadAllBytesAsync(response);
    }
}
