using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MssGateway.Policy.Tests.Fuzzing;

/// <summary>
/// Inputs found with the fuzz harness of the end-of-data policy (bench/fuzz, target mime), each
/// answered with a verdict, never an exception (docs/security.md "Fuzzing").
/// </summary>
public sealed class MessagePolicyFuzzRegressionTests
{

    [Fact]
    public async Task Signer_certificate_with_a_non_ascii_rfc822_name_gets_a_verdict_not_an_exception()
    {
        // Anyone can sign with a certificate of their own making: rfc822Name [1] IA5String "aé@..." in UTF-8.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Attaquant", key, HashAlgorithmName.SHA256);
        var name = Encoding.UTF8.GetBytes("a\u00e9@hopital.mssante.test");
        request.CertificateExtensions.Add(new X509Extension("2.5.29.17", [0x30, (byte)(name.Length + 2), 0x81, (byte)name.Length, .. name], critical: false));
        using var signer = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        var body = Encoding.ASCII.GetBytes("Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n");
        var cms = new SignedCms(new ContentInfo(body), detached: true);
        cms.ComputeSignature(new CmsSigner(signer) { IncludeOption = X509IncludeOption.EndCertOnly });
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"=_s\"\r\n\r\n" +
            "--=_s\r\n" + Encoding.ASCII.GetString(body) + "\r\n--=_s\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n" +
            "Content-Transfer-Encoding: base64\r\n\r\n" + Convert.ToBase64String(cms.Encode(), Base64FormattingOptions.InsertLineBreaks) + "\r\n--=_s--\r\n");

        using var harness = new PolicyHarness(new UntrustedValidator());
        var verdict = await harness.EvaluateAsync(message);

        Assert.True(verdict.IsAccepted);
        Assert.Equal(SmimeVerdict.Untrusted, verdict.SmimeVerdict);
    }

    [Fact]
    public async Task Opaque_part_that_bouncycastle_cannot_parse_gets_a_verdict_not_a_null_reference_exception()
    {
        // The mime crashes, minimised with afl-tmin: an application/pkcs7-mime part whose content is "0"
        // octets (0x30: SEQUENCE headers all the way down); BouncyCastle's CMS parser throws
        // NullReferenceException on it.
        var message = Encoding.ASCII.GetBytes("From: 000 000000\n:\nSubject:\nDate:\nMessage-ID:\nMIME-Version:\nContent-Type:application/pkcs7-mime;00000000\n:\n00000000000000000000000000000000\n");

        using var harness = new PolicyHarness(new UntrustedValidator());
        var verdict = await harness.EvaluateAsync(message);

        Assert.True(verdict.IsAccepted);
        Assert.Equal(SmimeVerdict.None, verdict.SmimeVerdict);
    }

    [Fact]
    public async Task Signed_part_cut_off_by_the_outer_boundary_is_smime_fail_not_an_argument_out_of_range()
    {
        // afl-tmin-minimised: the outer boundary closes a multipart/signed whose first part never ended.
        var message = TestMessages.Ascii(
            "Content-Type:multipart/0;boundary=m\r\n\r\n--m\r\nContent-Type:multipart/signed;boundary==0s\r\n\r\n--=0s\r\n--m\r\n");

        using var harness = new PolicyHarness(new UntrustedValidator());
        var verdict = await harness.EvaluateAsync(message);

        Assert.Equal(SmimeVerdict.Fail, verdict.SmimeVerdict);
    }

    private sealed class UntrustedValidator : ISmimeSignerValidator
    {
        public ValueTask<SignerValidation> ValidateAsync(X509Certificate2 signer, X509Certificate2Collection extraCertificates, DateTimeOffset? signingTime, CancellationToken ct) =>
            ValueTask.FromResult(new SignerValidation { Status = SignerTrustStatus.Untrusted, Detail = "self-signed" });
    }
}
