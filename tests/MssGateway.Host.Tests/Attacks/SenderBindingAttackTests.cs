using System.Globalization;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MssGateway.Host.Tests.Trust;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>
/// Issue 12 rule 1 through the running gateway: sender binding has no bypass. The attacker holds a
/// valid CPS card (or a valid operator or organisation certificate) and tries to send as somebody
/// else — with the null sender, a From header that is not MAIL FROM, two From fields, a group, an
/// encoded display name, a Sender field, a From hidden in a forwarded message. Each test asserts the
/// exact reply. "submission" enforces; "smtps" only tags (SenderBinding=Tag).
/// </summary>
[Collection(AttackCollection.Name)]
public sealed class SenderBindingAttackTests(AttackGateway gateway)
{
    private const string Holder = AttackGateway.Holder;
    private const string Colleague = AttackGateway.Colleague;

    private async Task<SmtpTestReply> SendAsCardHolderAsync(string mailFrom, byte[] message, string listener = "submission")
    {
        await using var c = await gateway.ConnectAsync(listener, gateway.HolderCard);
        return await AttackGateway.SendAsync(c, mailFrom, Colleague, message);
    }

    [Fact]
    public async Task Mail_from_a_colleagues_mailbox_with_a_valid_card_is_refused_550_5_7_1_sender_not_bound()
    {
        await using var c = await gateway.ConnectAsync("submission", gateway.HolderCard);

        ReplyAssert.Refused(await c.CommandAsync($"MAIL FROM:<{Colleague}>"), 550, "5.7.1", "sender_not_bound");
    }

    [Fact]
    public async Task A_colleagues_card_cannot_send_from_the_holders_mailbox()
    {
        await using var c = await gateway.ConnectAsync("submission", gateway.ColleagueCard);

        ReplyAssert.Refused(await c.CommandAsync($"MAIL FROM:<{Holder}>"), 550, "5.7.1", "sender_not_bound");
    }

    [Fact]
    public async Task Null_sender_from_a_cps_with_someone_elses_From_is_refused_at_end_of_data_sender_not_bound()
    {
        var reply = await SendAsCardHolderAsync(string.Empty, AttackMessages.With($"From: Dr Recipient <{Colleague}>\r\n"));

        ReplyAssert.Refused(reply, 550, "5.7.1", "sender_not_bound");
    }

    [Fact]
    public async Task Null_sender_from_a_cps_on_an_ordinary_message_of_its_own_is_refused_sender_not_bound()
    {
        ReplyAssert.Refused(await SendAsCardHolderAsync(string.Empty, AttackMessages.With($"From: <{Holder}>\r\n")), 550, "5.7.1", "sender_not_bound");
    }

    [Fact]
    public async Task Null_sender_read_receipt_from_the_holder_is_accepted_and_bound()
    {
        // On smtps (S/MIME tagged, not required): the binding alone decides, and says pass.
        var id = ReplyAssert.Queued(await SendAsCardHolderAsync(string.Empty, AttackMessages.With($"From: <{Holder}>\r\n", AttackMessages.ReadReceipt), "smtps"));

        Assert.Contains("x-sender-binding=pass", gateway.AuthenticationResultsOf(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Null_sender_read_receipt_whose_From_is_a_colleague_is_refused_header_from_not_bound()
    {
        var reply = await SendAsCardHolderAsync(string.Empty, AttackMessages.With($"From: <{Colleague}>\r\n", AttackMessages.ReadReceipt));

        ReplyAssert.Refused(reply, 550, "5.7.1", "header_from_not_bound");
    }

    [Fact]
    public async Task Own_MAIL_FROM_with_a_colleagues_From_header_is_refused_header_from_not_bound()
    {
        ReplyAssert.Refused(await SendAsCardHolderAsync(Holder, AttackMessages.With($"From: Dr Recipient <{Colleague}>\r\n")), 550, "5.7.1", "header_from_not_bound");
    }

    [Fact]
    public async Task Two_From_fields_one_of_them_the_holders_are_refused()
    {
        ReplyAssert.Refused(await SendAsCardHolderAsync(Holder, AttackMessages.With($"From: <{Holder}>\r\nFrom: <{Colleague}>\r\n")), 550, "5.7.1", "header_from_not_bound");
    }

    [Fact]
    public async Task A_group_in_From_with_a_colleague_in_it_is_refused()
    {
        ReplyAssert.Refused(await SendAsCardHolderAsync(Holder, AttackMessages.With($"From: Cardiologie: <{Holder}>, <{Colleague}>;\r\n")), 550, "5.7.1", "header_from_not_bound");
    }

    [Fact]
    public async Task Several_mailboxes_in_one_From_field_are_refused_when_one_is_not_the_holders()
    {
        ReplyAssert.Refused(await SendAsCardHolderAsync(Holder, AttackMessages.With($"From: <{Holder}>, <{Colleague}>\r\n")), 550, "5.7.1", "header_from_not_bound");
    }

    [Fact]
    public async Task An_encoded_display_name_showing_a_colleagues_address_is_refused()
    {
        var name = "=?utf-8?B?" + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"Dr Recipient <{Colleague}>")) + "?=";

        ReplyAssert.Refused(await SendAsCardHolderAsync(Holder, AttackMessages.With($"From: {name} <{Holder}>\r\n")), 550, "5.7.1", "header_from_not_bound");
    }

    [Fact]
    public async Task An_address_in_a_comment_of_the_From_field_is_refused()
    {
        ReplyAssert.Refused(await SendAsCardHolderAsync(Holder, AttackMessages.With($"From: {Holder} ({Colleague})\r\n")), 550, "5.7.1", "header_from_not_bound");
    }

    [Fact]
    public async Task A_Sender_field_naming_a_colleague_is_refused()
    {
        ReplyAssert.Refused(await SendAsCardHolderAsync(Holder, AttackMessages.With($"From: <{Holder}>\r\nSender: <{Colleague}>\r\n")), 550, "5.7.1", "header_from_not_bound");
    }

    [Fact]
    public async Task A_From_only_inside_a_forwarded_message_does_not_count_as_the_header()
    {
        var body = "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\nContent-Type: message/rfc822\r\n\r\n" +
            $"From: <{Holder}>\r\nContent-Type: text/plain\r\n\r\ntransfert\r\n--o--\r\n";

        ReplyAssert.Refused(await SendAsCardHolderAsync(Holder, AttackMessages.With(string.Empty, body)), 550, "5.7.1", "header_from_not_bound");
    }

    [Fact]
    public async Task The_holders_own_From_passes_and_says_so_in_Authentication_Results()
    {
        var id = ReplyAssert.Queued(await SendAsCardHolderAsync(Holder, AttackMessages.With($"From: Dev Sender <{Holder}>\r\n"), "smtps"));

        Assert.Contains("x-sender-binding=pass", gateway.AuthenticationResultsOf(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swaks_with_a_forged_From_header_is_refused_header_from_not_bound()
    {
        var env = gateway.Environment;
        var result = await ExternalProcess.RunAsync("swaks",
        [
            "--server", "127.0.0.1", "--port", env.SubmissionPort.ToString(CultureInfo.InvariantCulture), "--tls",
            "--tls-cert", gateway.Pki.ClientCertificate, "--tls-key", gateway.Pki.ClientKey,
            "--helo", "client.hopital-dev.mssante.test", "--from", Holder, "--to", Colleague,
            "--header", $"From: Dr Recipient <{Colleague}>", "--header", "Subject: swaks forged From", "--body", "hello",
        ], timeout: TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("550 5.7.1", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("(header_from_not_bound)", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailKit_with_the_holders_card_and_a_colleagues_From_is_refused()
    {
        using var client = new SmtpClient
        {
            ServerCertificateValidationCallback = (_, _, _, _) => true,
            ClientCertificates = [gateway.HolderCard],
            CheckCertificateRevocation = false,
        };
        await client.ConnectAsync("127.0.0.1", gateway.Environment.SubmissionPort, SecureSocketOptions.StartTls);
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Colleague));
        message.To.Add(MailboxAddress.Parse(Colleague));
        message.Subject = "MailKit forged From";
        message.Body = new TextPart("plain") { Text = "hello" };

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(message, MailboxAddress.Parse(Holder), [MailboxAddress.Parse(Colleague)]));

        Assert.Equal(550, (int)error.StatusCode);
        Assert.Contains("(header_from_not_bound)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Null_sender_delivery_report_from_an_operator_whose_DN_is_listed_is_accepted_on_the_relay()
    {
        await using var c = await gateway.ConnectAsync("relay", gateway.OperatorB);

        var reply = await AttackGateway.SendAsync(c, string.Empty, Holder, AttackMessages.With("From: Mail Delivery System <MAILER-DAEMON@operateur-b.mssante.test>\r\n", AttackMessages.DeliveryReport));

        ReplyAssert.Queued(reply);
    }

    [Fact]
    public async Task Null_sender_from_a_valid_server_certificate_the_liste_blanche_lists_nowhere_is_refused_at_MAIL_FROM()
    {
        await using var c = await gateway.ConnectAsync("relay", gateway.UnlistedOperator);

        ReplyAssert.Refused(await c.CommandAsync("MAIL FROM:<>"), 550, "5.7.1", "sender_not_bound");
    }

    [Fact]
    public async Task Null_sender_from_a_listed_operator_forging_a_From_of_our_domain_is_refused_header_from_not_bound()
    {
        await using var c = await gateway.ConnectAsync("relay", gateway.OperatorB);

        var reply = await AttackGateway.SendAsync(c, string.Empty, Colleague, AttackMessages.With($"From: <{Holder}>\r\n", AttackMessages.DeliveryReport));

        ReplyAssert.Refused(reply, 550, "5.7.1", "header_from_not_bound");
    }

    [Fact]
    public async Task An_operator_cannot_use_a_MAIL_FROM_of_another_operators_domain()
    {
        await using var c = await gateway.ConnectAsync("relay", gateway.OperatorB);

        ReplyAssert.Refused(await c.CommandAsync($"MAIL FROM:<{AttackGateway.OtherAuthorisedDomainMailbox}>"), 550, "5.7.1", "sender_not_bound");
    }

    [Fact]
    public async Task Null_sender_from_an_organisation_certificate_is_bound_by_a_From_mailbox_of_its_structure()
    {
        await using (var c = await gateway.ConnectAsync("smtps", gateway.Organisation))
        {
            var id = ReplyAssert.Queued(await AttackGateway.SendAsync(c, string.Empty, Colleague, AttackMessages.With($"From: <{AttackGateway.Secretariat}>\r\n")));
            Assert.Contains("x-sender-binding=pass", gateway.AuthenticationResultsOf(id), StringComparison.Ordinal);
        }

        await using (var c = await gateway.ConnectAsync("submission", gateway.Organisation))
        {
            ReplyAssert.Refused(await AttackGateway.SendAsync(c, string.Empty, Colleague, AttackMessages.With($"From: <{AttackGateway.OperatorBMailbox}>\r\n")), 550, "5.7.1", "header_from_not_bound");
        }
    }

    [Fact]
    public async Task Under_Tag_a_forged_From_is_accepted_tagged_logged_and_counted()
    {
        var id = ReplyAssert.Queued(await SendAsCardHolderAsync(Holder, AttackMessages.With($"From: <{Colleague}>\r\n"), "smtps"));

        Assert.Contains("x-sender-binding=fail reason=\"header_from_not_bound\"", gateway.AuthenticationResultsOf(id), StringComparison.Ordinal);
        var metrics = await AttackMetrics.ScrapeAsync(gateway);
        Assert.True(AttackMetrics.Value(metrics, "mssgw_sender_binding_violations_total", "listener=\"smtps\"", "mode=\"tag\"", "reason=\"header_from_not_bound\"") >= 1, metrics);
        Assert.Contains(gateway.Process.StdOutLines, l => l.Contains("\"EventId\":10,", StringComparison.Ordinal) && l.Contains("\"Mode\":\"tag\"", StringComparison.Ordinal)
            && l.Contains(gateway.HashOf(Colleague), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Under_Tag_a_colleagues_MAIL_FROM_is_accepted_and_tagged_sender_not_bound()
    {
        await using var c = await gateway.ConnectAsync("smtps", gateway.HolderCard);

        var id = ReplyAssert.Queued(await AttackGateway.SendAsync(c, Colleague, Colleague, AttackMessages.With($"From: <{Holder}>\r\n")));

        Assert.Contains("x-sender-binding=fail reason=\"sender_not_bound\"", gateway.AuthenticationResultsOf(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_Tag_the_liste_blanche_still_holds_for_the_sender_domain()
    {
        await using var c = await gateway.ConnectAsync("relay", gateway.OperatorB);

        ReplyAssert.Refused(await c.CommandAsync($"MAIL FROM:<{AttackGateway.ListedOnUnauthorisedDomain}>"), 550, "5.7.1", "domain_not_authorised");
    }

    [Fact]
    public async Task Every_enforced_refusal_is_counted_with_its_reason()
    {
        await using (var c = await gateway.ConnectAsync("submission", gateway.HolderCard))
        {
            ReplyAssert.Refused(await c.CommandAsync($"MAIL FROM:<{Colleague}>"), 550, "5.7.1", "sender_not_bound");
        }

        var metrics = await AttackMetrics.ScrapeAsync(gateway);
        Assert.True(AttackMetrics.Value(metrics, "mssgw_sender_binding_violations_total", "listener=\"submission\"", "mode=\"enforce\"", "reason=\"sender_not_bound\"") >= 1, metrics);
        Assert.True(AttackMetrics.Value(metrics, "mssgw_smtp_refusals_total", "listener=\"submission\"", "reason=\"sender_not_bound\"") >= 1, metrics);
    }
}
