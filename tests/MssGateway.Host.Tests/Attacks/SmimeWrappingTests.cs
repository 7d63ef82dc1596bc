using System.Text;
using System.Text.RegularExpressions;
using MssGateway.Host.Tests.Trust;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>
/// Issue 12 rule 4 through the running gateway and its trust engine: S/MIME pass means the whole
/// message was signed by that signer, now. The attacker has a genuine signature (openssl cms, or
/// BouncyCastle where the signingTime must be chosen) and wraps it, extends it, backdates it, uses
/// SHA-1 or a short key, or sends CMS garbage. "submission" has SmimePolicy=Require, "smtps" Tag.
/// </summary>
[Collection(AttackCollection.Name)]
public sealed class SmimeWrappingTests(AttackGateway gateway)
{
    private const string Entity = "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour,\r\nResultats normaux.\r\n";

    [Fact]
    public async Task The_whole_message_signed_by_the_holder_passes_under_Require()
    {
        var id = ReplyAssert.Queued(await SendAsync("submission", await SignAsync("signer", opaque: false)));

        Assert.Contains("smime=pass", gateway.AuthenticationResultsOf(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_opaque_signature_of_the_whole_message_passes_under_Require()
    {
        ReplyAssert.Queued(await SendAsync("submission", await SignAsync("signer", opaque: true)));
    }

    [Fact]
    public async Task A_genuine_signature_wrapped_in_multipart_mixed_with_an_unsigned_part_is_refused_550_5_7_1_smime_partial()
    {
        var wrapped = Wrap(await SignAsync("signer", opaque: false), "Content-Type: text/plain\r\n\r\nMerci de regler la facture ci-dessous (non signe).\r\n");

        ReplyAssert.Refused(await SendAsync("submission", wrapped), 550, "5.7.1", "smime_partial");
        var id = ReplyAssert.Queued(await SendAsync("smtps", wrapped));
        Assert.Contains("smime=neutral reason=\"partial\"", gateway.AuthenticationResultsOf(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_third_unsigned_part_appended_inside_multipart_signed_is_refused_smime_partial()
    {
        var signed = Encoding.UTF8.GetString(await SignAsync("signer", opaque: false));
        var boundary = Regex.Match(signed, "boundary=\"([^\"]+)\"").Groups[1].Value;
        var extended = signed.Replace("--" + boundary + "--", "--" + boundary + "\r\nContent-Type: text/plain\r\n\r\nAjout apres signature.\r\n--" + boundary + "--", StringComparison.Ordinal);

        ReplyAssert.Refused(await SendAsync("submission", Encoding.UTF8.GetBytes(extended)), 550, "5.7.1", "smime_partial");
    }

    [Fact]
    public async Task A_signed_message_forwarded_inside_an_unsigned_one_is_partial_never_pass()
    {
        var inner = await SignAsync("signer", opaque: true);
        var outer = AttackMessages.With($"From: <{AttackGateway.Holder}>\r\n",
            "Content-Type: multipart/mixed; boundary=\"f\"\r\n\r\n--f\r\nContent-Type: text/plain\r\n\r\nPour info.\r\n" +
            "--f\r\nContent-Type: message/rfc822\r\n\r\n" + Encoding.UTF8.GetString(inner) + "\r\n--f--\r\n");

        ReplyAssert.Refused(await SendAsync("submission", outer), 550, "5.7.1", "smime_partial");
    }

    [Fact]
    public async Task A_signer_revoked_now_fails_whatever_its_backdated_signing_time_says()
    {
        var message = CmsMessageSigner.SignDetached(
            Entity, Path.Combine(gateway.CertificateFolder, "signer-revoked.pem"), Path.Combine(gateway.CertificateFolder, "signer-revoked.key"),
            [Path.Combine(gateway.Pki.Directory, "ca-fort-personnes.pem")], DateTimeOffset.UtcNow.AddMonths(-6), Headers());

        ReplyAssert.Refused(await SendAsync("submission", message), 550, "5.7.5", "smime_untrusted");
        var id = ReplyAssert.Queued(await SendAsync("smtps", message));
        Assert.Contains("smime=fail reason=\"revoked\"", gateway.AuthenticationResultsOf(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backdated_signature_of_a_valid_signer_is_still_judged_now_and_passes()
    {
        var message = CmsMessageSigner.SignDetached(
            Entity, Path.Combine(gateway.CertificateFolder, "signer.pem"), Path.Combine(gateway.CertificateFolder, "signer.key"),
            [Path.Combine(gateway.Pki.Directory, "ca-fort-personnes.pem")], DateTimeOffset.UtcNow.AddMonths(-6), Headers());

        ReplyAssert.Queued(await SendAsync("submission", message));
    }

    [Theory]
    [InlineData("sha1")]
    [InlineData("md5")]
    public async Task A_signature_with_a_weak_digest_is_refused_550_5_7_5_smime_weak_algorithm(string digest)
    {
        var message = await SignAsync("signer", opaque: false, "-md", digest);

        ReplyAssert.Refused(await SendAsync("submission", message), 550, "5.7.5", "smime_weak_algorithm");
        var id = ReplyAssert.Queued(await SendAsync("smtps", message));
        Assert.Contains("smime=fail reason=\"weak_algorithm\"", gateway.AuthenticationResultsOf(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signer_with_an_RSA_1024_key_is_refused_smime_weak_algorithm()
    {
        ReplyAssert.Refused(await SendAsync("submission", await SignAsync("signer-1024", opaque: true)), 550, "5.7.5", "smime_weak_algorithm");
    }

    [Theory]
    [InlineData("MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIB")]
    [InlineData("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAAAAA")]
    public async Task Garbage_CMS_is_a_permerror_verdict_never_a_451_nor_a_stack_trace(string cms)
    {
        var message = AttackMessages.With($"From: <{AttackGateway.Holder}>\r\n",
            "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"s\"\r\n\r\n" +
            "--s\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n--s\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n" + cms + "\r\n--s--\r\n");

        ReplyAssert.Refused(await SendAsync("submission", message), 550, "5.7.7", "smime_invalid");
        var id = ReplyAssert.Queued(await SendAsync("smtps", message));
        Assert.Contains("smime=permerror", gateway.AuthenticationResultsOf(id), StringComparison.Ordinal);
        Assert.DoesNotContain("   at MssGateway", gateway.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("   at Org.BouncyCastle", gateway.Log, StringComparison.Ordinal);
    }

    private async Task<SmtpTestReply> SendAsync(string listener, byte[] message)
    {
        await using var c = await gateway.ConnectAsync(listener, gateway.HolderCard);
        return await AttackGateway.SendAsync(c, AttackGateway.Holder, AttackGateway.Colleague, message);
    }

    private static string Headers() => $"From: <{AttackGateway.Holder}>\r\nTo: <{AttackGateway.Colleague}>\r\nSubject: resultats\r\n";

    /// <summary>A multipart/mixed whose first part is <paramref name="unsigned"/> and second the signed body of <paramref name="signed"/>.</summary>
    private static byte[] Wrap(byte[] signed, string unsigned)
    {
        var text = Encoding.UTF8.GetString(signed);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var contentType = string.Join("\r\n", text[..split].Split("\r\n")
            .SkipWhile(h => !h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))
            .TakeWhile(h => h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase) || h.StartsWith(' ') || h.StartsWith('\t')));
        return AttackMessages.With($"From: <{AttackGateway.Holder}>\r\n",
            "Content-Type: multipart/mixed; boundary=\"w\"\r\n\r\n--w\r\n" + unsigned + "--w\r\n" + contentType + "\r\n\r\n" + text[(split + 4)..] + "\r\n--w--\r\n");
    }

    /// <summary>openssl cms -sign with one of the issued signers; the message's From is the holder.</summary>
    private async Task<byte[]> SignAsync(string signer, bool opaque, params string[] extra)
    {
        var input = Path.Combine(gateway.CertificateFolder, Guid.NewGuid().ToString("N") + ".in");
        await File.WriteAllTextAsync(input, Entity);
        var args = new List<string>
        {
            "cms", "-sign", "-in", input, "-signer", Path.Combine(gateway.CertificateFolder, signer + ".pem"),
            "-inkey", Path.Combine(gateway.CertificateFolder, signer + ".key"), "-certfile", Path.Combine(gateway.Pki.Directory, "ca-fort-personnes.pem"),
            "-from", AttackGateway.Holder, "-to", AttackGateway.Colleague, "-subject", "resultats",
        };
        if (!extra.Contains("-md"))
        {
            args.AddRange(["-md", "sha256"]);
        }

        if (opaque)
        {
            args.Add("-nodetach");
        }

        args.AddRange(extra);
        var r = (await ExternalProcess.RunAsync("openssl", args, environment: new Dictionary<string, string> { ["OPENSSL_CONF"] = "/dev/null" })).EnsureSuccess("openssl cms -sign");
        File.Delete(input);
        return Encoding.UTF8.GetBytes(r.StdOut.ReplaceLineEndings("\r\n"));
    }
}
