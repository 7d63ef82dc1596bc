using System.Text;
using MssGateway.Testing;

namespace MssGateway.Policy.Tests;

/// <summary>
/// Issue 12 rule 5 at the scanner: the attachment limit counts what a mail client can save — every
/// decoded leaf but the primary body text — and structures a client could read differently are
/// refused as mime_malformed. Each test is one way of hiding a file from the count.
/// </summary>
public sealed class AttachmentCountingRulesTests : IDisposable
{
    private readonly PolicyHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private static string Mixed(params string[] parts) =>
        TestMessages.Headers + "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n" + string.Concat(parts.Select(p => "--o\r\n" + p)) + "--o--\r\n";

    private const string Body = "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, voir ci-joint.\r\n";

    private async Task<MessagePolicyVerdict> Evaluate(string text) => await _harness.EvaluateAsync(TestMessages.Ascii(text));

    [Fact]
    public async Task A_part_with_no_name_and_no_disposition_counts()
    {
        var verdict = await Evaluate(Mixed(Body, "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(5000)));

        Assert.Equal(5000, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task An_inline_image_without_a_name_counts()
    {
        var verdict = await Evaluate(Mixed(Body, "Content-Type: image/jpeg\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(4096)));

        Assert.Equal(4096, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task A_second_text_plain_leaf_counts_the_first_is_the_body()
    {
        var verdict = await Evaluate(Mixed(Body, "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(7000)));

        Assert.Equal(7000, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task A_text_plain_first_leaf_marked_as_attachment_is_not_the_body()
    {
        var verdict = await Evaluate(Mixed(
            "Content-Type: text/plain\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(3000),
            "Content-Type: text/plain\r\n\r\nle vrai corps\r\n"));

        Assert.Equal(3000, verdict.AttachmentBytes);
    }

    [Theory]
    [InlineData("Content-Disposition: inline; filename=\"a")]
    [InlineData("Content-Disposition: ;;;=")]
    [InlineData("Content-Disposition: x-unknown-disposition")]
    public async Task An_unparsable_or_unknown_disposition_counts_as_an_attachment(string disposition)
    {
        var verdict = await Evaluate(Mixed("Content-Type: text/plain\r\n" + disposition + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(2500)));

        Assert.Equal(2500, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task An_unparsable_content_type_does_not_pass_for_the_body_text()
    {
        // MimeKit reports text/plain for a Content-Type it cannot parse: that default must not exempt the part.
        var verdict = await Evaluate(Mixed("Content-Type: application/\"pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(2200), Body));

        Assert.Equal(2200, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task The_primary_alternative_exempts_one_text_per_alternative_and_counts_the_rest()
    {
        var alternative =
            "Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n" +
            "--a\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n" +
            "--a\r\nContent-Type: multipart/related; boundary=\"r\"\r\n\r\n" +
            "--r\r\nContent-Type: text/html\r\n\r\n<p>Bonjour</p>\r\n" +
            "--r\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(1500) +
            "--r\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(900) +
            "--r--\r\n" +
            "--a--\r\n";

        var verdict = await Evaluate(Mixed(alternative, "Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(600)));

        // The image, the second text of the related part and the text/html after the alternative count.
        Assert.Equal(1500 + 900 + 600, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task The_body_text_of_a_forwarded_message_counts()
    {
        var verdict = await Evaluate(Mixed(Body,
            "Content-Type: message/rfc822\r\n\r\nFrom: a@b.test\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(4000)));

        Assert.Equal(4000, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task A_detached_signature_part_counts()
    {
        var verdict = await Evaluate(
            TestMessages.Headers +
            "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"s\"\r\n\r\n" +
            "--s\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n--s\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            TestMessages.Base64Lines(1200) + "--s--\r\n");

        Assert.Equal(1200, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task A_last_part_without_closing_boundary_or_final_CRLF_counts()
    {
        var text = TestMessages.Headers + "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\n" + Body +
            "--o\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(3000).TrimEnd('\r', '\n');

        var verdict = await Evaluate(text);

        Assert.Equal(3000, verdict.AttachmentBytes);
    }

    [Theory]
    [InlineData("multipart/mixed; boundary=\"i\"", "base64")]
    [InlineData("multipart/alternative; boundary=\"i\"", "quoted-printable")]
    [InlineData("message/rfc822", "base64")]
    [InlineData("message/rfc822", "x-uuencode")]
    [InlineData("message/global", "base64")]
    [InlineData("message/delivery-status", "base64")]
    public async Task An_encoded_composite_part_is_mime_malformed(string type, string encoding)
    {
        // RFC 2045 §6.4: a client that decodes it sees what this gateway would not have counted.
        var inner = "From: a@b.test\r\nContent-Type: application/pdf; name=x.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(20_000);
        var encoded = Convert.ToBase64String(Encoding.ASCII.GetBytes(inner), Base64FormattingOptions.InsertLineBreaks).ReplaceLineEndings("\r\n") + "\r\n";

        var verdict = await Evaluate(Mixed(Body, $"Content-Type: {type}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n" + encoded));

        Assert.Equal("mime_malformed", verdict.RefusalReason);
    }

    [Fact]
    public async Task A_base64_encoded_top_level_multipart_is_mime_malformed()
    {
        var verdict = await Evaluate(TestMessages.Headers + "Content-Type: multipart/mixed; boundary=\"o\"\r\nContent-Transfer-Encoding: base64\r\n\r\nLS1vDQo=\r\n");

        Assert.Equal("mime_malformed", verdict.RefusalReason);
    }

    [Theory]
    [InlineData("Content-Type: text/plain\r\nContent-Type: application/pdf\r\n")]
    [InlineData("Content-Type: application/pdf\r\nContent-Transfer-Encoding: 7bit\r\nContent-Transfer-Encoding: base64\r\n")]
    [InlineData("Content-Type: application/pdf\r\nContent-Disposition: inline\r\nContent-Disposition: attachment; filename=x.pdf\r\n")]
    public async Task A_part_with_a_duplicate_content_header_is_mime_malformed(string headers)
    {
        var verdict = await Evaluate(Mixed(Body, headers + "\r\nJVBERi0xLjQK\r\n"));

        Assert.Equal("mime_malformed", verdict.RefusalReason);
    }

    [Fact]
    public async Task A_duplicate_content_type_in_the_message_header_is_mime_malformed()
    {
        var verdict = await Evaluate(TestMessages.Headers + "Content-Type: text/plain\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\n" + Body + "--o--\r\n");

        Assert.Equal("mime_malformed", verdict.RefusalReason);
    }

    [Fact]
    public async Task A_uuencoded_file_inside_the_body_text_counts()
    {
        var file = new byte[4500];
        new Random(7).NextBytes(file);
        var verdict = await Evaluate(TestMessages.Headers + "Content-Type: text/plain\r\n\r\nBonjour,\r\n\r\n" + Uuencoding.Encode("cr.pdf", file) + "Cordialement\r\n");

        Assert.Equal(4500, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task A_uuencoded_file_inside_a_base64_body_text_counts()
    {
        var file = new byte[3000];
        new Random(8).NextBytes(file);
        var text = "Bonjour\r\n" + Uuencoding.Encode("scan.jpg", file) + "fin\r\n";
        var body = Convert.ToBase64String(Encoding.ASCII.GetBytes(text), Base64FormattingOptions.InsertLineBreaks).ReplaceLineEndings("\r\n") + "\r\n";

        var verdict = await Evaluate(TestMessages.Headers + "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + body);

        Assert.Equal(3000, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task A_begin_base64_block_inside_the_body_text_counts()
    {
        var file = new byte[2001];
        new Random(9).NextBytes(file);
        var lines = Convert.ToBase64String(file, Base64FormattingOptions.InsertLineBreaks).ReplaceLineEndings("\r\n");

        var verdict = await Evaluate(TestMessages.Headers + "Content-Type: text/plain\r\n\r\nVoir:\r\nbegin-base64 644 x.bin\r\n" + lines + "\r\n====\r\nfin\r\n");

        Assert.Equal(2001, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task A_uuencoded_block_without_end_counts_to_the_end_of_the_text()
    {
        var file = new byte[900];
        var uu = Uuencoding.Encode("x.bin", file);
        var truncated = uu[..uu.IndexOf("`\r\nend", StringComparison.Ordinal)];

        var verdict = await Evaluate(TestMessages.Headers + "Content-Type: text/plain\r\n\r\n" + truncated);

        Assert.Equal(900, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task Text_that_only_mentions_begin_does_not_count()
    {
        var verdict = await Evaluate(TestMessages.Headers + "Content-Type: text/plain\r\n\r\nbegin the treatment on monday\r\nbegin 644\r\nM4V%L=71\r\nend\r\n");

        Assert.Equal(0, verdict.AttachmentBytes);
    }

    [Fact]
    public async Task An_unnamed_inline_image_over_the_limit_is_refused_with_552_5_3_4()
    {
        using var harness = new PolicyHarness(settings: new Dictionary<string, string?> { ["MaxAttachmentBytes"] = "3000" });

        var verdict = await harness.EvaluateAsync(TestMessages.Ascii(Mixed(Body, "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n" + TestMessages.Base64Lines(3001))));

        Assert.Equal("attachments_too_big", verdict.RefusalReason);
    }
}
