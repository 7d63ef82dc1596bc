using MimeKit;
using MimeKit.Cryptography;

namespace MssGateway.Policy.Tests;

/// <summary>S/MIME verdicts on messages signed by MimeKit, including signed entities nested in the message.</summary>
[Collection(SmimeCollection.Name)]
public sealed class SmimeMimeKitSignedTests(SmimePki pki) : IDisposable
{
    private readonly PolicyHarness _harness = new(new CrlSignerValidator(pki));

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MimeKit_signature_of_the_From_address_passes(bool opaque)
    {
        var message = NewMessage(SmimePki.SenderAddress);
        message.Body = Sign("good", Body(), opaque);

        var verdict = await _harness.EvaluateAsync(Bytes(message), SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Pass, verdict.SmimeVerdict);
        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task MimeKit_signed_message_with_a_revoked_signer_is_revoked()
    {
        var message = NewMessage(SmimePki.SenderAddress);
        message.Body = Sign("revoked", Body(), opaque: false);

        var verdict = await _harness.EvaluateAsync(Bytes(message), SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Revoked, verdict.SmimeVerdict);
        Assert.Equal("smime_untrusted", verdict.RefusalReason);
    }

    [Fact]
    public async Task MimeKit_signed_message_with_the_signed_part_altered_fails()
    {
        var message = NewMessage(SmimePki.SenderAddress);
        message.Body = Sign("good", Body(), opaque: false);
        var text = System.Text.Encoding.UTF8.GetString(Bytes(message));
        var tampered = System.Text.Encoding.UTF8.GetBytes(text.Replace("Resultats normaux", "Resultats anormaux", StringComparison.Ordinal));
        Assert.NotEqual(text.Length, tampered.Length);

        var verdict = await _harness.EvaluateAsync(tampered, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Fail, verdict.SmimeVerdict);
        Assert.Equal("smime_invalid", verdict.RefusalReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Signed_entity_nested_in_multipart_mixed_is_verified_but_partial_never_pass(bool opaque)
    {
        var message = NewMessage(SmimePki.SenderAddress);
        var mixed = new Multipart("mixed")
        {
            new TextPart("plain") { Text = "Message du secretariat (non signe)." },
            Sign("good", Body(), opaque),
        };
        message.Body = mixed;

        var tagged = await _harness.EvaluateAsync(Bytes(message), SmimePolicy.Tag);
        var required = await _harness.EvaluateAsync(Bytes(message), SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Partial, tagged.SmimeVerdict);
        Assert.Contains("smime=neutral reason=\"partial\"", tagged.AuthenticationResultsHeader, StringComparison.Ordinal);
        Assert.True(tagged.AttachmentBytes > 0, "the PDF inside the signed entity counts");
        Assert.Equal("smime_partial", required.RefusalReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Signed_message_forwarded_as_message_rfc822_is_verified_against_its_own_From_and_is_partial(bool opaque)
    {
        var inner = NewMessage(SmimePki.OtherAddress);
        inner.Body = Sign("other", Body(), opaque);
        var outer = NewMessage(SmimePki.SenderAddress);
        outer.Body = new Multipart("mixed")
        {
            new TextPart("plain") { Text = "Je vous transmets le compte rendu du Dr Other." },
            new MessagePart { Message = inner },
        };

        var verdict = await _harness.EvaluateAsync(Bytes(outer), SmimePolicy.Tag);

        // The forwarded message is signed by its own author; the outer message, which the reader sees, is not.
        Assert.Equal(SmimeVerdict.Partial, verdict.SmimeVerdict);
        Assert.Contains("header.from=" + SmimePki.OtherAddress, verdict.AuthenticationResultsHeader, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outermost_signature_decides_when_signatures_are_nested()
    {
        // A valid signature by the sender wraps a forwarded message signed by a revoked certificate.
        var inner = NewMessage(SmimePki.SenderAddress);
        inner.Body = Sign("revoked", Body(), opaque: false);
        var content = new Multipart("mixed") { new TextPart("plain") { Text = "Transfert." }, new MessagePart { Message = inner } };
        var outer = NewMessage(SmimePki.SenderAddress);
        outer.Body = Sign("good", content, opaque: false);

        var verdict = await _harness.EvaluateAsync(Bytes(outer), SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Pass, verdict.SmimeVerdict);
    }

    [Fact]
    public async Task Encrypted_enveloped_data_counts_its_encrypted_size_as_attachment()
    {
        using var ctx = new TemporarySecureMimeContext();
        var recipient = new CmsRecipient(pki.Load("other"));
        var encrypted = ApplicationPkcs7Mime.Encrypt(ctx, new CmsRecipientCollection { recipient }, Body(pdfSize: 300_000));
        var message = NewMessage(SmimePki.SenderAddress);
        message.Body = encrypted;
        using var decodedSize = new MemoryStream();
        encrypted.Content!.DecodeTo(decodedSize);

        var verdict = await _harness.EvaluateAsync(Bytes(message), SmimePolicy.Tag);

        Assert.Equal(decodedSize.Length, verdict.AttachmentBytes);
        Assert.Equal(SmimeVerdict.None, verdict.SmimeVerdict);
    }

    internal static MimeMessage NewMessage(string from)
    {
        var m = new MimeMessage();
        m.From.Add(MailboxAddress.Parse(from));
        m.To.Add(MailboxAddress.Parse("dev.recipient@hopital.mssante.test"));
        m.Subject = "Compte rendu";
        m.Date = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.FromHours(1));
        return m;
    }

    internal static MimeEntity Body(int pdfSize = 20_000)
    {
        var pdf = new byte[pdfSize];
        new Random(7).NextBytes(pdf);
        return new Multipart("mixed")
        {
            new TextPart("plain") { Text = "Resultats normaux.\nCordialement." },
            new MimePart("application", "pdf")
            {
                Content = new MimeContent(new MemoryStream(pdf)),
                ContentTransferEncoding = ContentEncoding.Base64,
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                FileName = "cr.pdf",
            },
        };
    }

    internal MimeEntity Sign(string signer, MimeEntity entity, bool opaque)
    {
        using var ctx = new TemporarySecureMimeContext();
        var cms = new CmsSigner(pki.LoadWithKey(signer)) { DigestAlgorithm = DigestAlgorithm.Sha256 };
        return opaque ? ApplicationPkcs7Mime.Sign(ctx, cms, entity) : MultipartSigned.Create(ctx, cms, entity);
    }

    internal static byte[] Bytes(MimeMessage message)
    {
        using var ms = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, ms);
        return ms.ToArray();
    }
}
