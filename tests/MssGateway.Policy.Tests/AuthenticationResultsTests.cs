using System.Text;
using MimeKit.Cryptography;

namespace MssGateway.Policy.Tests;

/// <summary>The Authentication-Results header written (RFC 8601, RFC 7281) and forged ones found (RFC 8601 §5).</summary>
[Collection(SmimeCollection.Name)]
public sealed class AuthenticationResultsTests(SmimePki pki) : IDisposable
{
    private readonly PolicyHarness _harness = new(new CrlSignerValidator(pki));

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Accepted_signed_mail_gets_a_header_that_parses_as_RFC_8601_with_smime_and_tls_results()
    {
        var message = await pki.OpensslSignAsync("good", "Content-Type: text/plain\r\n\r\nBonjour\r\n", SmimePki.SenderAddress, opaque: false);

        var verdict = await _harness.EvaluateAsync(message, SmimePolicy.Require);

        var header = verdict.AuthenticationResultsHeader!;
        Assert.StartsWith("Authentication-Results: " + PolicyHarness.AuthServId + ";\r\n\t", header, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", header, StringComparison.Ordinal);
        Assert.All(header.Split("\r\n"), line => Assert.True(line.Length < 998));
        Assert.All(header, c => Assert.True(c < 0x80, "ASCII only"));

        var value = header[(header.IndexOf(':', StringComparison.Ordinal) + 1)..];
        Assert.True(AuthenticationResults.TryParse(Encoding.ASCII.GetBytes(value), out var parsed), "MimeKit parses the header as RFC 8601");
        Assert.Equal(PolicyHarness.AuthServId, parsed.AuthenticationServiceIdentifier);
        var smime = Assert.Single(parsed.Results, r => r.Method == "smime");
        Assert.Equal("pass", smime.Result);
        Assert.Contains(smime.Properties, p => p.PropertyType == "body" && p.Property == "smime-identifier" && p.Value == SmimePki.SenderAddress);
        Assert.Contains(smime.Properties, p => p.PropertyType == "body" && p.Property == "smime-serial" && p.Value == pki.Load("good").SerialNumber);
        Assert.Contains(smime.Properties, p => p.PropertyType == "body" && p.Property == "smime-issuer" && p.Value.Contains("TEST AC IGC-SANTE FORT PERSONNES", StringComparison.Ordinal));
        Assert.Contains(smime.Properties, p => p.PropertyType == "header" && p.Property == "from" && p.Value == SmimePki.SenderAddress);
        var tls = Assert.Single(parsed.Results, r => r.Method == "x-tls");
        Assert.Equal("pass", tls.Result);

        // The client certificate identity is in the x-tls comment; non-ASCII is escaped (Médecin).
        Assert.Contains("TLSv1.3 TLS_AES_256_GCM_SHA384; client certificate", header, StringComparison.Ordinal);
        Assert.Contains("national identifier " + SmimePki.SenderNationalId, header, StringComparison.Ordinal);
        Assert.Contains(@"M\\C3\\A9decin", header, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_of_a_plaintext_session_says_x_tls_none()
    {
        var header = AuthenticationResultsHeader.Build("gw.test", new MessagePolicyContext { ListenerName = "relay", SmimePolicy = SmimePolicy.Tag }, SmimeVerdict.None, null, null);

        Assert.Equal("Authentication-Results: gw.test;\r\n\tx-tls=none (plaintext session);\r\n\tx-sender-binding=none (no client certificate identity);\r\n\tsmime=none\r\n", header);
    }

    [Fact]
    public async Task Top_level_Authentication_Results_claiming_our_authserv_id_are_reported_with_exact_byte_ranges()
    {
        var ours1 = "Authentication-Results: " + PolicyHarness.AuthServId + "; smime=pass\r\n";
        var ours2 = "authentication-results:   (forged by a client)\r\n \"GW.Hopital.MSSante.test\" 1;\r\n\tx-tls=pass;\r\n\tsmime=pass body.smime-identifier=x@y.test\r\n";
        var theirs = "Authentication-Results: mx.other-operator.test; smime=pass\r\n";
        var lookalike = "Authentication-Results: " + PolicyHarness.AuthServId + ".evil.test; smime=pass\r\n";
        var nested =
            "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\nContent-Type: message/rfc822\r\n\r\n" +
            ours1 + "From: a@b.test\r\nContent-Type: text/plain\r\n\r\ninner\r\n--o--\r\n";
        var text = "Received: from x by y; Mon, 23 Nov 2026 08:00:00 +0100\r\n" + ours1 + theirs + ours2 + lookalike + TestMessages.Headers + nested;
        var message = Encoding.ASCII.GetBytes(text);

        var verdict = await _harness.EvaluateAsync(message);

        Assert.Equal(2, verdict.ForgedHeaderRanges.Count);
        Assert.Equal(ours1, Slice(message, verdict.ForgedHeaderRanges[0]));
        Assert.Equal(ours2, Slice(message, verdict.ForgedHeaderRanges[1]));

        // What the spool delivers after skipping them still has the other operator's header and the nested one.
        var kept = Skip(message, verdict.ForgedHeaderRanges);
        Assert.Contains(theirs, kept, StringComparison.Ordinal);
        Assert.Contains(lookalike, kept, StringComparison.Ordinal);
        Assert.Contains("\r\n\r\n" + ours1, kept, StringComparison.Ordinal);
        Assert.Equal(text.Length - ours1.Length - ours2.Length, kept.Length);
    }

    [Fact]
    public async Task A_forged_header_as_the_last_header_field_has_its_exact_range()
    {
        var forged = "Authentication-Results: " + PolicyHarness.AuthServId + ";\r\n smime=pass\r\n";
        var text = TestMessages.Headers + "Content-Type: text/plain\r\n" + forged + "\r\nBonjour\r\n";
        var message = Encoding.ASCII.GetBytes(text);

        var verdict = await _harness.EvaluateAsync(message);

        Assert.Equal(forged, Slice(message, Assert.Single(verdict.ForgedHeaderRanges)));
    }

    [Theory]
    [InlineData(" gw.test; smime=pass", "gw.test")]
    [InlineData("gw.test 1; none", "gw.test")]
    [InlineData(" (comment (nested)) gw.test;", "gw.test")]
    [InlineData("\"gw.test\"; none", "gw.test")]
    [InlineData("gw.test;none", "gw.test")]
    [InlineData("   ", null)]
    public void Authserv_id_is_read_past_comments_and_quotes(string value, string? expected)
    {
        Assert.Equal(expected, AuthenticationResultsHeader.ParseAuthServId(value));
    }

    private static string Slice(byte[] message, ByteRange r) => Encoding.ASCII.GetString(message, (int)r.Offset, (int)r.Length);

    private static string Skip(byte[] message, IReadOnlyList<ByteRange> ranges)
    {
        var sb = new StringBuilder();
        long at = 0;
        foreach (var r in ranges)
        {
            sb.Append(Encoding.ASCII.GetString(message, (int)at, (int)(r.Offset - at)));
            at = r.End;
        }

        return sb.Append(Encoding.ASCII.GetString(message, (int)at, (int)(message.Length - at))).ToString();
    }
}
