using System.Text;
using MssGateway.Host.Tests.Trust;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>
/// Issue 12 rule 5 through the running gateway: the attachment limit counts what a mail client can
/// save. The attacker hides a file over the limit (1 MiB on this gateway) as a part with no name and
/// no disposition, a second text/plain leaf, an inline image, behind an unparsable disposition, inside a
/// forwarded or an encoded message/rfc822, in a base64 multipart, uuencoded in the body text, in a last
/// part without closing boundary — or makes the structure ambiguous with duplicate content headers.
/// Sent on "smtps" (S/MIME and binding tagged), so only the MIME rule decides.
/// </summary>
[Collection(AttackCollection.Name)]
public sealed class AttachmentLimitEvasionTests(AttackGateway gateway)
{
    private const int OverLimit = AttackGateway.AttachmentLimit + 50_000;
    private const string BodyText = "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, voir ci-joint.\r\n";

    private static string Random64(int octets)
    {
        var data = new byte[octets];
        new Random(octets).NextBytes(data);
        return AttackMessages.Base64(data);
    }

    private static byte[] Mixed(params string[] parts) =>
        AttackMessages.With($"From: <{AttackGateway.Holder}>\r\n", "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n" + string.Concat(parts.Select(p => "--o\r\n" + p)) + "--o--\r\n");

    private async Task<SmtpTestReply> SendAsync(byte[] message)
    {
        await using var c = await gateway.ConnectAsync("smtps", gateway.HolderCard);
        return await AttackGateway.SendAsync(c, AttackGateway.Holder, AttackGateway.Colleague, message);
    }

    [Fact]
    public async Task A_part_with_no_name_and_no_disposition_is_counted_552_5_3_4_attachments_too_big()
    {
        ReplyAssert.Refused(await SendAsync(Mixed(BodyText, "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Random64(OverLimit))), 552, "5.3.4", "attachments_too_big");
    }

    [Fact]
    public async Task An_attachment_disguised_as_a_second_text_plain_leaf_is_counted()
    {
        ReplyAssert.Refused(await SendAsync(Mixed(BodyText, "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Random64(OverLimit))), 552, "5.3.4", "attachments_too_big");
    }

    [Fact]
    public async Task An_inline_image_without_a_name_is_counted()
    {
        ReplyAssert.Refused(await SendAsync(Mixed(BodyText, "Content-Type: image/jpeg\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Random64(OverLimit))), 552, "5.3.4", "attachments_too_big");
    }

    [Fact]
    public async Task A_first_text_part_with_an_unparsable_disposition_is_counted()
    {
        ReplyAssert.Refused(await SendAsync(Mixed("Content-Type: text/plain\r\nContent-Disposition: inline; filename=\"cr.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Random64(OverLimit))), 552, "5.3.4", "attachments_too_big");
    }

    [Fact]
    public async Task An_attachment_inside_a_forwarded_message_rfc822_is_counted()
    {
        var forwarded = "Content-Type: message/rfc822\r\n\r\nFrom: <autre@clinique-c.mssante.test>\r\nContent-Type: multipart/mixed; boundary=\"i\"\r\n\r\n" +
            "--i\r\nContent-Type: text/plain\r\n\r\ntexte\r\n--i\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Random64(OverLimit) + "--i--\r\n";

        ReplyAssert.Refused(await SendAsync(Mixed(BodyText, forwarded)), 552, "5.3.4", "attachments_too_big");
    }

    [Fact]
    public async Task An_attachment_inside_a_base64_encoded_message_rfc822_is_refused_550_5_6_0_mime_malformed()
    {
        var inner = "From: <autre@clinique-c.mssante.test>\r\nContent-Type: application/pdf; name=cr.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Random64(OverLimit);
        var encoded = AttackMessages.Base64(Encoding.ASCII.GetBytes(inner));

        ReplyAssert.Refused(await SendAsync(Mixed(BodyText, "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded)), 550, "5.6.0", "mime_malformed");
    }

    [Fact]
    public async Task A_base64_encoded_multipart_is_refused_mime_malformed()
    {
        var inner = "--i\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Random64(10_000) + "--i--\r\n";
        var part = "Content-Type: multipart/mixed; boundary=\"i\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + AttackMessages.Base64(Encoding.ASCII.GetBytes(inner));

        ReplyAssert.Refused(await SendAsync(Mixed(BodyText, part)), 550, "5.6.0", "mime_malformed");
    }

    [Theory]
    [InlineData("Content-Type: text/plain\r\nContent-Type: application/pdf\r\n")]
    [InlineData("Content-Type: application/pdf\r\nContent-Transfer-Encoding: 7bit\r\n")]
    [InlineData("Content-Type: application/pdf\r\nContent-Disposition: inline\r\nContent-Disposition: attachment; filename=cr.pdf\r\n")]
    public async Task A_part_with_duplicate_content_headers_is_refused_mime_malformed(string headers)
    {
        // Every case ends with Content-Transfer-Encoding: base64, so the second one repeats it.
        var part = headers + "Content-Transfer-Encoding: base64\r\n\r\n" + Random64(2000);

        ReplyAssert.Refused(await SendAsync(Mixed(BodyText, part)), 550, "5.6.0", "mime_malformed");
    }

    [Fact]
    public async Task A_file_uuencoded_inside_the_body_text_is_counted()
    {
        var data = new byte[OverLimit];
        new Random(3).NextBytes(data);
        var body = "Content-Type: text/plain\r\n\r\nBonjour,\r\n\r\n" + Uuencoding.Encode("scan.pdf", data) + "Cordialement\r\n";

        ReplyAssert.Refused(await SendAsync(AttackMessages.With($"From: <{AttackGateway.Holder}>\r\n", body)), 552, "5.3.4", "attachments_too_big");
    }

    [Fact]
    public async Task A_last_part_without_closing_boundary_or_final_CRLF_is_counted()
    {
        var text = $"From: <{AttackGateway.Holder}>\r\nTo: <{AttackGateway.Colleague}>\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\n" + BodyText +
            "--o\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Random64(OverLimit).TrimEnd('\r', '\n');

        ReplyAssert.Refused(await SendAsync(AttackMessages.Ascii(text)), 552, "5.3.4", "attachments_too_big");
    }

    [Fact]
    public async Task An_attachment_inside_opaque_signed_content_is_counted()
    {
        var entity = "Content-Type: multipart/mixed; boundary=\"s\"\r\n\r\n--s\r\n" + BodyText + "--s\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Random64(OverLimit) + "--s--\r\n";
        var input = Path.Combine(gateway.CertificateFolder, Guid.NewGuid().ToString("N") + ".in");
        await File.WriteAllTextAsync(input, entity);
        var r = (await ExternalProcess.RunAsync("openssl",
            [
                "cms", "-sign", "-nodetach", "-md", "sha256", "-in", input, "-signer", Path.Combine(gateway.CertificateFolder, "signer.pem"),
                "-inkey", Path.Combine(gateway.CertificateFolder, "signer.key"), "-from", AttackGateway.Holder, "-to", AttackGateway.Colleague, "-subject", "cr",
            ], environment: new Dictionary<string, string> { ["OPENSSL_CONF"] = "/dev/null" })).EnsureSuccess("openssl cms -sign");
        File.Delete(input);

        ReplyAssert.Refused(await SendAsync(Encoding.UTF8.GetBytes(r.StdOut.ReplaceLineEndings("\r\n"))), 552, "5.3.4", "attachments_too_big");
    }

    [Fact]
    public async Task A_text_and_html_alternative_with_attachments_under_the_limit_is_accepted()
    {
        var alternative = "Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n" +
            "--a\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Random64(600_000) + "--a--\r\n";

        ReplyAssert.Queued(await SendAsync(Mixed(alternative, "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Random64(AttackGateway.AttachmentLimit - 1000))));
    }
}
