namespace MssGateway.Policy.Tests;

/// <summary>Broken or unexpected structures (S/MIME or MIME) become verdicts, never exceptions.</summary>
public sealed class MalformedMessageTests : IDisposable
{
    private readonly PolicyHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Signed_data_that_is_not_CMS_is_a_permerror_and_counts_as_an_attachment()
    {
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            TestMessages.Base64Lines(2000));

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Require);
        var tagged = await _harness.EvaluateAsync(message, SmimePolicy.Tag);

        Assert.Equal(SmimeVerdict.PermError, verdict.SmimeVerdict);
        Assert.Equal("smime_invalid", verdict.RefusalReason);
        Assert.Equal(2000, tagged.AttachmentBytes);
        Assert.Contains("smime=permerror", tagged.AuthenticationResultsHeader, StringComparison.Ordinal);
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
        Assert.Equal("smime_invalid", verdict.RefusalReason);
    }

    [Fact]
    public async Task Headers_without_a_body_are_accepted()
    {
        var verdict = await _harness.EvaluateAsync(TestMessages.Ascii("From: dev.sender@hopital.mssante.test\r\nSubject: vide\r\n"));

        Assert.Null(verdict.Refusal);
        Assert.Equal(0, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task An_empty_message_is_refused_as_mime_malformed()
    {
        var verdict = await _harness.EvaluateAsync([]);

        Assert.Equal("mime_malformed", verdict.RefusalReason);
    }

    [Fact]
    public async Task Truncated_multipart_and_base64_garbage_get_a_verdict()
    {
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n" +
            "Content-Transfer-Encoding: base64\r\n\r\n@@@ not base64 !!!\r\nAAAA");

        var verdict = await _harness.EvaluateAsync(message);

        Assert.Null(verdict.Refusal);
        Assert.InRange(verdict.AttachmentBytes, 0, 10);
    }
}
