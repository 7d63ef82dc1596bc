using System.Text;

namespace MssGateway.Policy.Tests;

/// <summary>S/MIME verdicts on messages signed by the openssl CLI (<c>openssl cms -sign</c>), detached and opaque.</summary>
[Collection(SmimeCollection.Name)]
public sealed class SmimeOpensslSignedTests(SmimePki pki) : IDisposable
{
    private const string Entity = "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour,\r\nCompte rendu de consultation.\r\n";

    private readonly PolicyHarness _harness = new(new CrlSignerValidator(pki));

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Valid_signature_of_the_From_address_passes(bool opaque)
    {
        var message = await pki.OpensslSignAsync("good", Entity, SmimePki.SenderAddress, opaque);

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Null(verdict.Refusal);
        Assert.Equal(SmimeVerdict.Pass, verdict.SmimeVerdict);
        Assert.Equal(SmimePki.SenderNationalId, verdict.Signer?.NationalIdentifier);
        Assert.Contains("smime=pass", verdict.AuthenticationResultsHeader, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tampered_detached_body_fails_and_is_refused_as_smime_invalid_under_Require()
    {
        var message = Encoding.UTF8.GetString(await pki.OpensslSignAsync("good", Entity, SmimePki.SenderAddress, opaque: false));
        Assert.Contains("Compte rendu de consultation", message, StringComparison.Ordinal);
        var tampered = Encoding.UTF8.GetBytes(message.Replace("Compte rendu de consultation", "Compte rendu de consultatiOn", StringComparison.Ordinal));

        var verdict = await _harness.EvaluateAsync(tampered, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Fail, verdict.SmimeVerdict);
        Assert.Equal("smime_invalid", verdict.RefusalReason);
    }

    [Fact]
    public async Task Tampered_opaque_content_fails()
    {
        var message = Encoding.UTF8.GetString(await pki.OpensslSignAsync("good", Entity, SmimePki.SenderAddress, opaque: true));

        // Flip one base64 character in the middle of the CMS blob (inside the encapsulated text).
        var start = message.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        var body = message[start..];
        var cms = Convert.FromBase64String(body);
        var at = Encoding.ASCII.GetString(cms).IndexOf("consultation", StringComparison.Ordinal);
        Assert.True(at > 0);
        cms[at] ^= 0x20;
        var tampered = Encoding.ASCII.GetBytes(message[..start] + Convert.ToBase64String(cms, Base64FormattingOptions.InsertLineBreaks).ReplaceLineEndings("\r\n") + "\r\n");

        var verdict = await _harness.EvaluateAsync(tampered, SmimePolicy.Tag);

        Assert.Equal(SmimeVerdict.Fail, verdict.SmimeVerdict);
        Assert.Null(verdict.Refusal);
        Assert.Contains("smime=fail", verdict.AuthenticationResultsHeader, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rogue", SmimeVerdict.Untrusted, false)]
    [InlineData("rogue", SmimeVerdict.Untrusted, true)]
    [InlineData("revoked", SmimeVerdict.Revoked, false)]
    [InlineData("revoked", SmimeVerdict.Revoked, true)]
    [InlineData("expired", SmimeVerdict.Expired, false)]
    [InlineData("expired", SmimeVerdict.Expired, true)]
    public async Task Signer_not_trusted_is_refused_as_smime_untrusted_under_Require(string signer, SmimeVerdict expected, bool opaque)
    {
        var message = await pki.OpensslSignAsync(signer, Entity, SmimePki.SenderAddress, opaque);

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(expected, verdict.SmimeVerdict);
        Assert.Equal("smime_untrusted", verdict.RefusalReason);
    }

    [Fact]
    public async Task Signer_not_trusted_is_tagged_and_accepted_under_Tag()
    {
        var message = await pki.OpensslSignAsync("revoked", Entity, SmimePki.SenderAddress, opaque: false);

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Tag);

        Assert.Null(verdict.Refusal);
        Assert.Equal(SmimeVerdict.Revoked, verdict.SmimeVerdict);
        Assert.Contains("smime=fail reason=\"revoked\"", verdict.AuthenticationResultsHeader, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Trusted_signer_of_another_address_is_refused_as_smime_signer_mismatch(bool opaque)
    {
        var message = await pki.OpensslSignAsync("other", Entity, SmimePki.SenderAddress, opaque);

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.SignerMismatch, verdict.SmimeVerdict);
        Assert.Equal("smime_signer_mismatch", verdict.RefusalReason);
    }

    [Fact]
    public async Task Signer_without_email_passes_when_the_directory_gives_the_From_mailbox_to_its_national_identifier()
    {
        var message = await pki.OpensslSignAsync("noemail", Entity, SmimePki.SenderAddress, opaque: false);

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Pass, verdict.SmimeVerdict);
        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Signer_without_email_mismatches_a_From_mailbox_of_another_holder()
    {
        var message = await pki.OpensslSignAsync("noemail", Entity, SmimePki.OtherAddress, opaque: false);

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.SignerMismatch, verdict.SmimeVerdict);
    }

    [Fact]
    public async Task Unsigned_message_is_refused_as_smime_missing_under_Require()
    {
        var verdict = await _harness.EvaluateAsync(TestMessages.PlainText(), SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.None, verdict.SmimeVerdict);
        Assert.Equal("smime_missing", verdict.RefusalReason);
        Assert.Null(verdict.AuthenticationResultsHeader);
    }

    [Fact]
    public async Task Unsigned_message_is_accepted_with_smime_none_under_Tag()
    {
        var verdict = await _harness.EvaluateAsync(TestMessages.PlainText(), SmimePolicy.Tag);

        Assert.Null(verdict.Refusal);
        Assert.Equal(SmimeVerdict.None, verdict.SmimeVerdict);
        Assert.Contains("smime=none", verdict.AuthenticationResultsHeader, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_Off_does_not_verify_and_writes_no_smime_result()
    {
        var message = await pki.OpensslSignAsync("revoked", Entity, SmimePki.SenderAddress, opaque: false);

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Off);

        Assert.Null(verdict.Refusal);
        Assert.Equal(SmimeVerdict.None, verdict.SmimeVerdict);
        Assert.DoesNotContain("smime=", verdict.AuthenticationResultsHeader, StringComparison.Ordinal);
        Assert.Contains("x-tls=pass", verdict.AuthenticationResultsHeader, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ECDSA_signature_passes_and_tampering_it_fails(bool opaque)
    {
        var message = await pki.OpensslSignAsync("ec", Entity, SmimePki.EcAddress, opaque);

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Pass, verdict.SmimeVerdict);
        if (!opaque)
        {
            var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(message).Replace("Bonjour", "BonjouR", StringComparison.Ordinal));
            Assert.Equal(SmimeVerdict.Fail, (await _harness.EvaluateAsync(tampered, SmimePolicy.Require)).SmimeVerdict);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RSA_PSS_signature_is_verified_through_the_BouncyCastle_path(bool opaque)
    {
        var message = await pki.OpensslSignAsync("good", Entity, SmimePki.SenderAddress, opaque, "-keyopt", "rsa_padding_mode:pss");
        Assert.Contains("1.2.840.113549.1.1.10", AsnOids(message), StringComparison.Ordinal);

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Pass, verdict.SmimeVerdict);
        if (!opaque)
        {
            var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(message).Replace("Bonjour", "BonjouR", StringComparison.Ordinal));
            Assert.Equal(SmimeVerdict.Fail, (await _harness.EvaluateAsync(tampered, SmimePolicy.Require)).SmimeVerdict);
        }
    }

    /// <summary>The OIDs in the message's CMS blob (the base64 part after the last header block), dotted.</summary>
    private static string AsnOids(byte[] message)
    {
        var text = Encoding.ASCII.GetString(message);
        var parser = new MimeKit.MimeParser(new MemoryStream(message));
        var entity = parser.ParseMessage();
        var cmsPart = entity.BodyParts.OfType<MimeKit.MimePart>().Last();
        using var decoded = new MemoryStream();
        cmsPart.Content!.DecodeTo(decoded);
        var signed = new Org.BouncyCastle.Cms.CmsSignedData(decoded.ToArray());
        return string.Join(' ', signed.GetSignerInfos().GetSigners().Select(s => s.SignatureAlgorithm.Algorithm.Id)) + " " + text.Length;
    }

    /// <summary>
    /// Issue 14: the S/MIME From match reads the directory at end of data; when it cannot answer, the policy
    /// neither guesses a verdict (mismatch, permerror) nor hides the failure: the contract's
    /// DirectoryUnavailableException reaches the host, which answers 451 4.4.3 directory_unavailable.
    /// </summary>
    [Fact]
    public async Task A_directory_outage_during_the_signer_match_is_not_turned_into_a_verdict()
    {
        using var harness = new PolicyHarness(new CrlSignerValidator(pki), directoryOverride: new UnavailableDirectory());
        var message = await pki.OpensslSignAsync("noemail", Entity, SmimePki.SenderAddress, opaque: false);

        await Assert.ThrowsAsync<MssGateway.Directory.DirectoryUnavailableException>(() => harness.EvaluateAsync(message, SmimePolicy.Require));
    }

    private sealed class UnavailableDirectory : MssGateway.Directory.IMailboxDirectory
    {
        private static MssGateway.Directory.DirectoryUnavailableException Down() => new("directory down (test)");

        public ValueTask<MssGateway.Directory.MailboxEntry?> FindByAddressAsync(string address, CancellationToken cancellationToken) => throw Down();

        public ValueTask<IReadOnlyList<MssGateway.Directory.MailboxEntry>> FindByNationalIdentifierAsync(string nationalIdentifier, CancellationToken cancellationToken) => throw Down();

        public ValueTask<MssGateway.Directory.AuthorisedDomain?> FindAuthorisedDomainAsync(string domain, CancellationToken cancellationToken) => throw Down();

        public ValueTask<IReadOnlyCollection<string>> GetOperatorCertificateSubjectsAsync(CancellationToken cancellationToken) => throw Down();

        public ValueTask<MssGateway.Directory.DirectoryStatus> GetStatusAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new MssGateway.Directory.DirectoryStatus { Reachable = false, Error = "down" });
    }
}
