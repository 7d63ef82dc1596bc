using System.Text;

namespace MssGateway.Policy.Tests;

/// <summary>
/// Issue 12 rule 4 at the policy: S/MIME pass means the whole message was signed by that signer, now.
/// Messages are signed for real at run time (openssl cms, or BouncyCastle where the signingTime must be
/// chosen); each test is a way to get "pass" on something the signer did not sign, or no longer may.
/// </summary>
[Collection(SmimeCollection.Name)]
public sealed class SmimeSigningRulesTests(SmimePki pki) : IDisposable
{
    private const string Entity = "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour,\r\nCompte rendu de consultation.\r\n";

    private readonly CrlSignerValidator _validator = new(pki);
    private PolicyHarness? _harness;

    private PolicyHarness Harness => _harness ??= new PolicyHarness(_validator);

    public void Dispose() => _harness?.Dispose();

    [Fact]
    public async Task A_signed_part_wrapped_in_multipart_mixed_with_an_unsigned_part_is_partial_and_refused_under_Require()
    {
        var signed = Encoding.UTF8.GetString(await pki.OpensslSignAsync("good", Entity, SmimePki.SenderAddress, opaque: false));
        var split = signed.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = signed[..split].Split("\r\n");
        var contentType = string.Join("\r\n", headers.SkipWhile(h => !h.StartsWith("Content-Type", StringComparison.OrdinalIgnoreCase)).TakeWhile(h => !h.StartsWith("MIME", StringComparison.Ordinal)));
        var wrapped = TestMessages.Headers + "Content-Type: multipart/mixed; boundary=\"w\"\r\n\r\n" +
            "--w\r\nContent-Type: text/plain\r\n\r\nVirement urgent: voir IBAN ci-dessous (non signe).\r\n" +
            "--w\r\n" + contentType + "\r\n\r\n" + signed[(split + 4)..] + "\r\n--w--\r\n";

        var tagged = await Harness.EvaluateAsync(Encoding.UTF8.GetBytes(wrapped), SmimePolicy.Tag);
        var required = await Harness.EvaluateAsync(Encoding.UTF8.GetBytes(wrapped), SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Partial, tagged.SmimeVerdict);
        Assert.Contains("smime=neutral reason=\"partial\"", tagged.AuthenticationResultsHeader, StringComparison.Ordinal);
        Assert.Equal("smime_partial", required.RefusalReason);
    }

    [Fact]
    public async Task A_third_unsigned_part_added_to_multipart_signed_is_partial()
    {
        var signed = Encoding.UTF8.GetString(await pki.OpensslSignAsync("good", Entity, SmimePki.SenderAddress, opaque: false));
        var boundary = System.Text.RegularExpressions.Regex.Match(signed, "boundary=\"([^\"]+)\"").Groups[1].Value;
        var closing = "--" + boundary + "--";
        var extra = "--" + boundary + "\r\nContent-Type: text/plain\r\n\r\nAjout non signe.\r\n";
        var tampered = signed.Replace(closing, extra + closing, StringComparison.Ordinal);

        var verdict = await Harness.EvaluateAsync(Encoding.UTF8.GetBytes(tampered), SmimePolicy.Tag);

        Assert.Equal(SmimeVerdict.Partial, verdict.SmimeVerdict);
    }

    [Theory]
    [InlineData("sha1")]
    [InlineData("md5")]
    public async Task A_signature_with_a_weak_digest_fails_weak_algorithm(string digest)
    {
        var message = await pki.OpensslSignAsync("good", Entity, SmimePki.SenderAddress, false, "-md", digest);

        var tagged = await Harness.EvaluateAsync(message, SmimePolicy.Tag);
        var required = await Harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.WeakAlgorithm, tagged.SmimeVerdict);
        Assert.Contains("smime=fail reason=\"weak_algorithm\"", tagged.AuthenticationResultsHeader, StringComparison.Ordinal);
        Assert.Equal("smime_weak_algorithm", required.RefusalReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_signature_by_an_RSA_1024_key_fails_weak_algorithm(bool opaque)
    {
        var message = await pki.OpensslSignAsync("weak1024", Entity, SmimePki.SenderAddress, opaque);

        var verdict = await Harness.EvaluateAsync(message, SmimePolicy.Tag);

        Assert.Equal(SmimeVerdict.WeakAlgorithm, verdict.SmimeVerdict);
    }

    [Theory]
    [InlineData("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA")]
    [InlineData("MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIB")]
    [InlineData("////////////////////")]
    public async Task Garbage_or_truncated_CMS_in_the_signature_part_is_a_permerror_verdict(string signatureBase64)
    {
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"s\"\r\n\r\n" +
            "--s\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n--s\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            signatureBase64 + "\r\n--s--\r\n");

        var tagged = await Harness.EvaluateAsync(message, SmimePolicy.Tag);
        var required = await Harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.PermError, tagged.SmimeVerdict);
        Assert.Contains("smime=permerror", tagged.AuthenticationResultsHeader, StringComparison.Ordinal);
        Assert.Equal("smime_invalid", required.RefusalReason);
    }

    [Fact]
    public async Task A_truncated_opaque_signed_data_is_a_permerror_verdict_and_counts_as_an_attachment()
    {
        var message = Encoding.UTF8.GetString(await pki.OpensslSignAsync("good", Entity, SmimePki.SenderAddress, opaque: true));
        var start = message.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        var cms = Convert.FromBase64String(message[start..]);
        var truncated = message[..start] + Convert.ToBase64String(cms, 0, cms.Length / 2, Base64FormattingOptions.InsertLineBreaks).ReplaceLineEndings("\r\n") + "\r\n";

        var verdict = await Harness.EvaluateAsync(Encoding.UTF8.GetBytes(truncated), SmimePolicy.Tag);

        Assert.Equal(SmimeVerdict.PermError, verdict.SmimeVerdict);
        Assert.Null(verdict.Refusal);
        Assert.Equal(cms.Length / 2, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task A_signer_revoked_now_is_revoked_whatever_a_backdated_signing_time_says()
    {
        var message = pki.SignWithSigningTime("revoked", Entity, "revoked.doctor@hopital.mssante.test", DateTimeOffset.UtcNow.AddYears(-2));

        var verdict = await Harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Revoked, verdict.SmimeVerdict);
        Assert.Equal("smime_untrusted", verdict.RefusalReason);
        Assert.Equal([null], _validator.SigningTimesSeen); // a claim two years back is not even offered to the validator
    }

    [Fact]
    public async Task An_expired_signer_cannot_pass_by_backdating_its_signing_time_into_its_validity()
    {
        // The "expired" certificate was valid in 2020: a signature claiming 2020-06 is the backdating attack.
        var message = pki.SignWithSigningTime("expired", Entity, "expired.doctor@hopital.mssante.test", new DateTimeOffset(2020, 6, 1, 0, 0, 0, TimeSpan.Zero));

        var verdict = await Harness.EvaluateAsync(message, SmimePolicy.Tag);

        Assert.Equal(SmimeVerdict.Expired, verdict.SmimeVerdict);
        Assert.Equal([null], _validator.SigningTimesSeen);
    }

    [Fact]
    public async Task A_signing_time_in_the_future_beyond_the_skew_is_not_used()
    {
        var message = pki.SignWithSigningTime("good", Entity, SmimePki.SenderAddress, DateTimeOffset.UtcNow.AddDays(3));

        var verdict = await Harness.EvaluateAsync(message, SmimePolicy.Tag);

        Assert.Equal(SmimeVerdict.Pass, verdict.SmimeVerdict); // valid now: the claim does not matter, and is not passed on
        Assert.Equal([null], _validator.SigningTimesSeen);
    }

    [Fact]
    public async Task A_certificate_that_expired_minutes_ago_passes_when_it_signed_inside_the_window_while_valid()
    {
        // Fake clock: ten minutes after the "recent" signer expired; it signed twenty minutes earlier.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(pki.RecentNotAfter.AddMinutes(10));
        var validator = new CrlSignerValidator(pki, clock);
        using var harness = new PolicyHarness(validator, time: clock);
        var signedAt = pki.RecentNotAfter.AddMinutes(-10);
        var message = pki.SignWithSigningTime("recent", Entity, SmimePki.SenderAddress, signedAt);

        var verdict = await harness.EvaluateAsync(message, SmimePolicy.Require);

        var seen = Assert.Single(validator.SigningTimesSeen);
        Assert.NotNull(seen);
        Assert.InRange(seen.Value, signedAt.AddSeconds(-1), signedAt.AddSeconds(1));
        Assert.True(verdict.SmimeVerdict == SmimeVerdict.Pass, $"{verdict.SmimeVerdict}: {validator.LastDetail}");
    }

    [Fact]
    public async Task The_signing_time_window_is_configurable()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(pki.RecentNotAfter.AddMinutes(10));
        var validator = new CrlSignerValidator(pki, clock);
        using var narrow = new PolicyHarness(validator, new Dictionary<string, string?> { ["SigningTimeWindow"] = "00:05:00" }, time: clock);
        var message = pki.SignWithSigningTime("recent", Entity, SmimePki.SenderAddress, pki.RecentNotAfter.AddMinutes(-10));

        var verdict = await narrow.EvaluateAsync(message, SmimePolicy.Tag);

        Assert.Equal(SmimeVerdict.Expired, verdict.SmimeVerdict);
        Assert.Equal([null], validator.SigningTimesSeen);
    }

    [Fact]
    public async Task A_backdated_signature_by_a_valid_signer_is_still_a_real_signature_that_passes()
    {
        var message = pki.SignWithSigningTime("good", Entity, SmimePki.SenderAddress, DateTimeOffset.UtcNow.AddDays(-30));

        var verdict = await Harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Pass, verdict.SmimeVerdict);
        var tampered = Replace(message, "consultation", "consultatioN");
        Assert.Equal(SmimeVerdict.Fail, (await Harness.EvaluateAsync(tampered, SmimePolicy.Tag)).SmimeVerdict);
    }

    private static byte[] Replace(byte[] message, string what, string with) =>
        Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(message).Replace(what, with, StringComparison.Ordinal));
}
