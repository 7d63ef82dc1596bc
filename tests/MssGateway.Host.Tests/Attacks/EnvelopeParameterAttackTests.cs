using MssGateway.Host.Tests.Trust;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>
/// Issue 12 rule 8 through the running gateway: the DSN parameters a client chooses (ENVID on MAIL,
/// ORCPT on RCPT, RFC 3461) are copied into delivery reports and shown by <c>mssgw queue show</c>, so
/// xtext that decodes to anything but printable US-ASCII — CR LF to inject a header, an escape sequence
/// for the operator's terminal, NUL, DEL, 8-bit octets — is refused with 501 5.5.4. Addresses (SMTPUTF8
/// lets C1 controls through the syntax) with control or bidi formatting characters are refused with
/// 553 5.1.3; the EHLO name reaches the envelope escaped.
/// </summary>
[Collection(AttackCollection.Name)]
public sealed class EnvelopeParameterAttackTests(AttackGateway gateway)
{
    [Theory]
    [InlineData("abc+0D+0AX-Injected:+20yes")]
    [InlineData("abc+0Afolded")]
    [InlineData("+1B[2J+1B]0;pwned+07")]
    [InlineData("nul+00byte")]
    [InlineData("del+7F")]
    [InlineData("caf+C3+A9")]
    public async Task Envid_decoding_to_a_control_or_8bit_character_is_refused_501_5_5_4(string envid)
    {
        await using var c = await gateway.ConnectAsync("submission", gateway.HolderCard);

        ReplyAssert.Refused(await c.CommandAsync($"MAIL FROM:<{AttackGateway.Holder}> ENVID={envid}"), 501, "5.5.4", "dsn_parameter_invalid");
    }

    [Theory]
    [InlineData("rfc822;bob+0D+0ABcc:+20victim@x.test")]
    [InlineData("rfc822;+1B[31mred@x.test")]
    [InlineData("rfc822;b+C3+A9b@x.test")]
    [InlineData("rfc822+0D+0A;bob@x.test")]
    [InlineData("rfc822 x;bob@x.test")]
    [InlineData("rfc822;")]
    public async Task Orcpt_with_an_unclean_address_type_or_address_is_refused_501_5_5_4(string orcpt)
    {
        await using var c = await gateway.ConnectAsync("submission", gateway.HolderCard);
        (await c.CommandAsync($"MAIL FROM:<{AttackGateway.Holder}>")).AssertCode(250);

        var reply = await c.CommandAsync($"RCPT TO:<{AttackGateway.Colleague}> ORCPT={orcpt}");

        Assert.Equal(501, reply.Code);
        Assert.Equal("5.5.4", reply.EnhancedCode);
    }

    [Theory]
    [InlineData("MAIL FROM:<dev.sender\u009b31m@hopital-dev.mssante.test> SMTPUTF8", null)]
    [InlineData("MAIL FROM:<dev.sender@hopital-dev.mssante.test> SMTPUTF8", "RCPT TO:<dev.recipient\u202e@hopital-dev.mssante.test>")]
    [InlineData("MAIL FROM:<dev.sender@hopital-dev.mssante.test> SMTPUTF8", "RCPT TO:<dev.recipient\u0085@hopital-dev.mssante.test>")]
    public async Task An_smtputf8_address_with_a_C1_control_or_a_bidi_override_is_refused_553_5_1_3(string mail, string? rcpt)
    {
        await using var c = await gateway.ConnectAsync("smtps", gateway.HolderCard);

        var reply = await c.CommandAsync(mail);
        if (rcpt is not null)
        {
            reply.AssertCode(250);
            reply = await c.CommandAsync(rcpt);
        }

        ReplyAssert.Refused(reply, 553, "5.1.3", "address_unsafe_characters");
    }

    [Fact]
    public async Task An_ehlo_name_with_a_bidi_override_reaches_queue_show_escaped()
    {
        await using var c = await SmtpTestClient.ConnectAsync(gateway.Environment.SmtpsPort, gateway.HolderCard, implicitTls: true);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO [\u202e1.0.0.127]")).AssertCode(250);
        var id = ReplyAssert.Queued(await AttackGateway.SendAsync(c, AttackGateway.Holder, AttackGateway.Colleague, AttackMessages.With($"From: <{AttackGateway.Holder}>\r\n")));

        var show = await QueueShowAsync(id);

        Assert.DoesNotContain('\u202e', show);
        Assert.Contains("helo=[\\u{202E}1.0.0.127]", show, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_of_dsn_parameters_are_counted_with_their_reason()
    {
        await using (var c = await gateway.ConnectAsync("submission", gateway.HolderCard))
        {
            ReplyAssert.Refused(await c.CommandAsync($"MAIL FROM:<{AttackGateway.Holder}> ENVID=x+0Ay"), 501, "5.5.4", "dsn_parameter_invalid");
        }

        var metrics = await AttackMetrics.ScrapeAsync(gateway);
        Assert.True(AttackMetrics.Value(metrics, "mssgw_smtp_refusals_total", "reason=\"dsn_parameter_invalid\"") >= 1, metrics);
    }

    [Fact]
    public async Task Printable_envid_and_orcpt_are_kept_decoded_and_queue_show_prints_nothing_raw()
    {
        await using var c = await gateway.ConnectAsync("smtps", gateway.HolderCard);
        (await c.CommandAsync($"MAIL FROM:<{AttackGateway.Holder}> RET=HDRS ENVID=QQ+2B7+3Dok")).AssertCode(250);
        (await c.CommandAsync($"RCPT TO:<{AttackGateway.Colleague}> NOTIFY=FAILURE ORCPT=rfc822;dev.recipient+40hopital-dev.mssante.test")).AssertCode(250);
        var id = ReplyAssert.Queued(await AttackGateway.DataAsync(c, AttackMessages.With($"From: <{AttackGateway.Holder}>\r\n")));

        var envelope = gateway.Spool.Open(SpoolState.Incoming, id).Envelope;
        Assert.Equal("QQ+7=ok", envelope.DsnEnvelopeId);
        Assert.Equal("rfc822;" + AttackGateway.Colleague, Assert.Single(envelope.Recipients).OriginalRecipient);

        var show = await QueueShowAsync(id);
        Assert.Contains("ENVID=QQ+7=ok", show, StringComparison.Ordinal);
        // What the client chose reaches the operator's terminal without control characters (C0, DEL, C1) or bidi overrides.
        Assert.All(show.Replace("\n", string.Empty, StringComparison.Ordinal), ch => Assert.False(
            char.IsControl(ch) || ch is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069', $"raw character U+{(int)ch:X4} in queue show"));
    }

    /// <summary>The real CLI: <c>mssgw queue show ID --spool DIR</c>.</summary>
    private async Task<string> QueueShowAsync(string id)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "mssgw.dll");
        return (await ExternalProcess.RunAsync("dotnet", [dll, "queue", "show", id, "--spool", gateway.Environment.SpoolPath])).EnsureSuccess("mssgw queue show").StdOut;
    }
}
