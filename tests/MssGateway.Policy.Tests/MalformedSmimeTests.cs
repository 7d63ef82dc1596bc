namespace MssGateway.Policy.Tests;

/// <summary>Broken or unexpected S/MIME structures become verdicts, never exceptions.</summary>
public sealed class MalformedSmimeTests : IDisposable
{
    private readonly PolicyHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Signed_data_that_is_not_CMS_fails()
    {
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            TestMessages.Base64Lines(2000));

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Fail, verdict.SmimeVerdict);
        Assert.Equal("smime_invalid", verdict.Refusal?.Reason);
    }

    [Fact]
    public async Task Untyped_pkcs7_mime_that_is_not_signed_data_counts_as_an_attachment()
    {
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: application/pkcs7-mime; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            TestMessages.Base64Lines(2500));

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Tag);

        Assert.Equal(2500, verdict.AttachmentBytes);
        Assert.Equal(SmimeVerdict.None, verdict.SmimeVerdict);
    }

    [Fact]
    public async Task Multipart_signed_without_a_signature_part_fails()
    {
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"s\"\r\n\r\n" +
            "--s\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n--s\r\nContent-Type: text/plain\r\n\r\nnot a signature\r\n--s--\r\n");

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Fail, verdict.SmimeVerdict);
        Assert.Equal("smime_invalid", verdict.Refusal?.Reason);
    }
}
