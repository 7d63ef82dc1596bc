using System.Globalization;
using System.Text;

namespace MssGateway.Delivery.Tests;

/// <summary>A real Postfix as the hospital's internal mail system, receiving the gateway's local deliveries over STARTTLS.</summary>
public sealed class PostfixDeliveryTests(PostfixFixture postfix) : IClassFixture<PostfixFixture>
{
    private Dictionary<string, string?> InternalPostfix() => new()
    {
        ["Gateway:Delivery:InternalNextHop:Host"] = "127.0.0.1",
        ["Gateway:Delivery:InternalNextHop:Port"] = postfix.Port.ToString(CultureInfo.InvariantCulture),
        ["Gateway:Delivery:InternalNextHop:Tls"] = "StartTls",
        ["Gateway:Delivery:InternalNextHop:CaFile"] = postfix.Pki.RootFile,
    };

    [Fact]
    public async Task Hospital_postfix_stores_the_message_in_the_maildir_with_its_bytes_unchanged()
    {
        await using var h = new DeliveryHarness(InternalPostfix());
        await h.StartAsync();
        var before = postfix.Delivered("secretariat@hopital-a.test").Count;
        const string prepend = "Received: from poste.hopital-a.test by gw.operateur-a.test with ESMTPS; Mon, 23 Nov 2026 05:00:01 +0000\r\n";
        var content = SampleMessages.Clinical("postfix-1@hopital-a.test");
        await h.SubmitAsync(content, ["secretariat@hopital-a.test"], prepend: prepend);

        await h.WaitAsync(() => h.SpoolIsEmpty() && postfix.Delivered("secretariat@hopital-a.test").Count == before + 1, "the maildir file", 30);

        var file = await File.ReadAllTextAsync(postfix.Delivered("secretariat@hopital-a.test")[^1], Encoding.UTF8);
        // Postfix's virtual agent adds Return-Path, Delivered-To and its Received field on top, and stores LF line ends.
        Assert.EndsWith((prepend + content).Replace("\r\n", "\n", StringComparison.Ordinal), file, StringComparison.Ordinal);
        Assert.Contains("Return-Path: <dr.martin@hopital-a.test>", file, StringComparison.Ordinal);
        Assert.Contains("with ESMTPS id", file, StringComparison.Ordinal); // the hop was encrypted (STARTTLS)
    }

    [Fact]
    public async Task Mailbox_unknown_to_the_hospital_postfix_gets_exactly_one_DSN_in_the_senders_maildir()
    {
        await using var h = new DeliveryHarness(InternalPostfix());
        await h.StartAsync();
        var before = postfix.Delivered("dr.martin@hopital-a.test").Count;
        await h.SubmitAsync(SampleMessages.Clinical("postfix-2@hopital-a.test"), ["personne@hopital-a.test"]);

        await h.WaitAsync(() => h.SpoolIsEmpty() && postfix.Delivered("dr.martin@hopital-a.test").Count == before + 1, "the DSN in the sender's maildir", 30);

        var dsn = await File.ReadAllTextAsync(postfix.Delivered("dr.martin@hopital-a.test")[^1], Encoding.UTF8);
        Assert.Contains("Return-Path: <>", dsn, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; personne@hopital-a.test", dsn, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.1", dsn, StringComparison.Ordinal);
        Assert.Contains("User unknown in virtual mailbox table", dsn, StringComparison.Ordinal);
        Assert.Equal(before + 1, postfix.Delivered("dr.martin@hopital-a.test").Count);
    }
}
