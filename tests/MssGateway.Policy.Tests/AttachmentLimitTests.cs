using System.Text;
using MssGateway.Testing;

namespace MssGateway.Policy.Tests;

/// <summary>Decoded attachment sizes against the 10 MB limit (DESIGN.md §3 "Size").</summary>
public sealed class AttachmentLimitTests : IDisposable
{
    private readonly PolicyHarness _harness = new();
    private readonly TempDirectory _dir = new("mssgw-policy-att");

    public void Dispose()
    {
        _harness.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_9_MB_attachment_about_12_3_MB_encoded_is_accepted()
    {
        var path = _dir.Combine("9mb.eml");
        TestMessages.WriteWithAttachments(path, "application/pdf", 9 * 1024 * 1024);
        Assert.InRange(new FileInfo(path).Length, 12_500_000, 13_500_000);

        var verdict = await _harness.EvaluateFileAsync(path);

        Assert.Null(verdict.Refusal);
        Assert.Equal(9 * 1024 * 1024, verdict.AttachmentBytes);
        Assert.NotNull(verdict.AuthenticationResultsHeader);
    }

    [Fact]
    public async Task A_10_6_MB_attachment_is_refused_with_552_5_3_4_attachments_too_big()
    {
        var path = _dir.Combine("10.6mb.eml");
        TestMessages.WriteWithAttachments(path, "application/pdf", 10_600_000);

        var verdict = await _harness.EvaluateFileAsync(path);

        Assert.Equal("attachments_too_big", verdict.RefusalReason);
        Assert.Null(verdict.AuthenticationResultsHeader);
    }

    [Fact]
    public async Task Attachments_are_summed_and_refused_over_the_limit_together()
    {
        var path = _dir.Combine("6+5.eml");
        TestMessages.WriteWithAttachments(path, "application/pdf", 6_000_000, 5_000_000);

        var verdict = await _harness.EvaluateFileAsync(path);

        Assert.Equal("attachments_too_big", verdict.RefusalReason);
    }

    [Fact]
    public async Task Exactly_the_limit_is_accepted()
    {
        var path = _dir.Combine("exact.eml");
        TestMessages.WriteWithAttachments(path, "application/pdf", 10_485_760);

        var verdict = await _harness.EvaluateFileAsync(path);

        Assert.Null(verdict.Refusal);
        Assert.Equal(10_485_760, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task Every_leaf_inside_an_inline_message_rfc822_is_counted_its_text_included()
    {
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n" +
            "--o\r\nContent-Type: text/plain\r\n\r\nTransfert.\r\n" +
            "--o\r\nContent-Type: message/rfc822\r\n\r\n" +
            "From: other.doctor@clinique.mssante.test\r\nSubject: inner\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"i\"\r\n\r\n" +
            "--i\r\nContent-Type: text/plain\r\n\r\nVoir PJ.\r\n" +
            "--i\r\nContent-Type: application/pdf; name=\"cr.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            TestMessages.Base64Lines(3000) +
            "--i--\r\n" +
            "--o--\r\n");

        var verdict = await _harness.EvaluateAsync(message);

        // A forwarded message is saved whole: its body text ("Voir PJ.") counts with its PDF.
        Assert.Equal(3000 + "Voir PJ.\r\n".Length, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task Message_rfc822_sent_as_an_attachment_counts_its_decoded_leaves_once()
    {
        var inner =
            "From: other.doctor@clinique.mssante.test\r\nSubject: inner\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"i\"\r\n\r\n" +
            "--i\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"cr.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            TestMessages.Base64Lines(3000) +
            "--i--";
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n" +
            "--o\r\nContent-Type: text/plain\r\n\r\nTransfert.\r\n" +
            "--o\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"fwd.eml\"\r\n\r\n" + inner + "\r\n" +
            "--o--\r\n");

        var verdict = await _harness.EvaluateAsync(message);

        Assert.Equal(3000, verdict.AttachmentBytes);
    }

    [Theory]
    [InlineData("application/ms-tnef", "")]
    [InlineData("application/vnd.ms-tnef", "")]
    [InlineData("application/zip", "")]
    [InlineData("application/octet-stream", "Content-Disposition: attachment\r\n")]
    [InlineData("application/octet-stream", "Content-Disposition: inline; filename=\"IHE_XDM.zip\"\r\n")]
    [InlineData("image/png; name=\"scan.png\"", "")]
    [InlineData("image/png", "")]
    [InlineData("application/octet-stream", "Content-Disposition: inline\r\n")]
    public async Task Parts_after_the_body_text_are_counted_whatever_their_name_disposition_or_type(string contentType, string disposition)
    {
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n" +
            "--o\r\nContent-Type: text/plain\r\n\r\nVoir PJ.\r\n" +
            $"--o\r\nContent-Type: {contentType}\r\n{disposition}Content-Transfer-Encoding: base64\r\n\r\n" +
            TestMessages.Base64Lines(4321) +
            "--o--\r\n");

        var verdict = await _harness.EvaluateAsync(message);

        Assert.Equal(4321, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task Body_text_and_inline_parts_without_file_name_are_not_attachments()
    {
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n" +
            "--a\r\nContent-Type: text/plain\r\n\r\nBonjour.\r\n" +
            "--a\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(5000) +
            "--a--\r\n");

        var verdict = await _harness.EvaluateAsync(message);

        Assert.Equal(0, verdict.AttachmentBytes);
        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Quoted_printable_attachment_counts_its_decoded_size()
    {
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: text/csv; name=\"r.csv\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
            "caf=C3=A9;=3D=\r\nx\r\n");

        var verdict = await _harness.EvaluateAsync(message);

        // "café;=x" + CRLF: c a f C3 A9 ; = x CR LF
        Assert.Equal(10, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task The_limit_is_configurable()
    {
        using var harness = new PolicyHarness(settings: new Dictionary<string, string?> { ["MaxAttachmentBytes"] = "1000" });
        var message = TestMessages.Ascii(
            TestMessages.Headers +
            "Content-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(1001));

        var verdict = await harness.EvaluateAsync(message);

        Assert.Equal("attachments_too_big", verdict.RefusalReason);
    }
}
