using System.Text;
using MssGateway.Spool;

namespace MssGateway.Delivery.Tests;

/// <summary>Delivery to the hospital's internal mail system over plain SMTP on loopback (the test server).</summary>
public sealed class LocalDeliveryTests
{
    private static Dictionary<string, string?> InternalHop(TestSmtpServer server) => new()
    {
        ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Delivered_message_is_byte_for_byte_the_spooled_one_with_X_MSS_headers_unchanged()
    {
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(InternalHop(server));
        await h.StartAsync();
        const string prepend = "Received: from client.hopital-a.test by gw.operateur-a.test with ESMTPS (TLSv1.3); Mon, 23 Nov 2026 05:00:01 +0000\r\n";
        var forged = "Authentication-Results: forged.example; smime=pass\r\n";
        var content = forged + SampleMessages.Clinical();
        var id = await h.SubmitAsync(content, ["dr.durand@hopital-a.test"], prepend: prepend, envelope: e => new SpoolEnvelope
        {
            QueueId = e.QueueId, ReceivedAt = e.ReceivedAt, Sender = e.Sender, Recipients = e.Recipients, Body = e.Body, PrependHeaders = e.PrependHeaders,
            SkipRanges = [new SpoolByteRange(0, Encoding.UTF8.GetByteCount(forged))],
        });

        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "delivery");

        var expected = Encoding.UTF8.GetBytes(prepend + SampleMessages.Clinical());
        var got = server.Transactions.Single();
        Assert.Equal(expected, got.Data);
        Assert.Contains("X-MSS-CODECDA: 11488-4^Note de consultation^LOINC\r\n\t(suite pliée)\r\n", got.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("forged.example", got.Text, StringComparison.Ordinal);
        Assert.StartsWith("MAIL FROM:<dr.martin@hopital-a.test> ", got.MailFrom, StringComparison.Ordinal);
        Assert.Contains(" BODY=8BITMIME", got.MailFrom, StringComparison.Ordinal);
        Assert.Contains($" SIZE={expected.Length}", got.MailFrom, StringComparison.Ordinal);
        Assert.Null(h.Spool.Locate(id));
    }

    [Fact]
    public async Task Recipient_deferred_with_4xx_is_retried_and_then_delivered()
    {
        await using var server = new TestSmtpServer();
        var tries = 0;
        server.RcptReply = (_, _) => Interlocked.Increment(ref tries) <= 2 ? "451 4.3.0 mailbox busy, try later" : null;
        await using var h = new DeliveryHarness(InternalHop(server));
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@hopital-a.test"]);

        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "delivery after retries");

        Assert.Equal(3, tries);
        Assert.Single(server.Transactions);
        Assert.Equal(2, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=deferred}"));
        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_delivery_attempts_total{result=delivered}"));
        Assert.Null(h.Spool.Locate(id));
        Assert.Equal(0, h.Measurements.GetValueOrDefault("mssgw_dsn_sent_total{type=failed}"));
    }

    [Fact]
    public async Task Each_recipient_gets_its_own_outcome_in_one_transaction()
    {
        await using var server = new TestSmtpServer();
        var busyTries = 0;
        server.RcptReply = (rcpt, _) => rcpt switch
        {
            "inconnu@hopital-a.test" => "550 5.1.1 no such mailbox",
            "occupe@hopital-a.test" => Interlocked.Increment(ref busyTries) == 1 ? "452 4.2.2 mailbox full" : null,
            _ => null,
        };
        await using var h = new DeliveryHarness(InternalHop(server));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["ok@hopital-a.test", "inconnu@hopital-a.test", "occupe@hopital-a.test"]);

        // First transaction: ok (delivered), inconnu (failed), occupe (deferred); then the retry for occupe;
        // then the DSN for inconnu, back to the (local) sender.
        await h.WaitAsync(() => server.Transactions.Count == 3 && h.SpoolIsEmpty(), "all outcomes");

        var transactions = server.Transactions.ToList();
        var original = transactions.Where(t => t.MailFrom.Contains(DeliveryHarness.Sender, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, original.Count);
        Assert.Contains(original, t => t.RcptTo.Count == 1 && t.RcptTo[0].Contains("<ok@", StringComparison.Ordinal));
        Assert.Contains(original, t => t.RcptTo.Count == 1 && t.RcptTo[0].Contains("<occupe@", StringComparison.Ordinal));
        var dsn = Assert.Single(transactions, t => t.MailFrom.StartsWith("MAIL FROM:<>", StringComparison.Ordinal));
        Assert.Contains("Final-Recipient: rfc822; inconnu@hopital-a.test", dsn.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("ok@hopital-a.test", dsn.Text.Split("Content-Type: text/rfc822-headers")[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Message_with_too_many_Received_fields_fails_with_5_4_6_and_is_not_sent()
    {
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(InternalHop(server));
        await h.StartAsync();
        var loop = string.Concat(Enumerable.Range(0, 31).Select(i => $"Received: from hop{i}.example by hop{i + 1}.example; Mon, 23 Nov 2026 05:00:00 +0000\r\n"));
        await h.SubmitAsync(loop + SampleMessages.Clinical(), ["dr.durand@hopital-a.test"]);

        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "loop DSN");

        var only = server.Transactions.Single();
        Assert.StartsWith("MAIL FROM:<>", only.MailFrom, StringComparison.Ordinal);
        Assert.Contains("Status: 5.4.6", only.Text, StringComparison.Ordinal);
        Assert.Contains("mail_loop", only.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_attempt_is_logged_with_queue_id_and_reply_but_never_the_subject_or_body()
    {
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(InternalHop(server));
        await h.StartAsync();
        var id = await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "delivery");

        var attempt = Assert.Single(h.Logs, l => l.StartsWith("DeliveryAttempt:", StringComparison.Ordinal));
        Assert.Contains($"queue_id={id}", attempt, StringComparison.Ordinal);
        Assert.Contains("result=delivered", attempt, StringComparison.Ordinal);
        Assert.Contains("reply_code=250", attempt, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Logs, l => l.Contains("DUPONT", StringComparison.Ordinal) || l.Contains("état stable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Eight_bit_message_to_a_next_hop_without_8BITMIME_fails_with_5_6_3_and_a_7_bit_DSN_gets_through()
    {
        await using var server = new TestSmtpServer(extensions: ["PIPELINING", "SIZE 52428800", "ENHANCEDSTATUSCODES"]);
        await using var h = new DeliveryHarness(InternalHop(server));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@hopital-a.test"]);

        await h.WaitAsync(() => h.SpoolIsEmpty() && server.Transactions.Count == 1, "the DSN");

        var dsn = server.Transactions.Single();
        Assert.StartsWith("MAIL FROM:<>", dsn.MailFrom, StringComparison.Ordinal);
        Assert.Contains("Status: 5.6.3", dsn.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith($"MAIL FROM:<{DeliveryHarness.Sender}>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Message_larger_than_the_next_hop_SIZE_fails_with_5_3_4_before_any_transaction()
    {
        await using var server = new TestSmtpServer(extensions: ["PIPELINING", "SIZE 6000", "8BITMIME", "ENHANCEDSTATUSCODES"]);
        await using var h = new DeliveryHarness(InternalHop(server));
        await h.StartAsync();
        var big = SampleMessages.Clinical().Replace("epilogue\r\n", string.Concat(Enumerable.Repeat("epilogue filler line to pass the size limit\r\n", 200)), StringComparison.Ordinal);
        await h.SubmitAsync(big, ["dr.durand@hopital-a.test"]);

        await h.WaitAsync(() => h.SpoolIsEmpty() && server.Transactions.Count == 1, "the DSN");

        Assert.Contains("Status: 5.3.4", server.Transactions.Single().Text, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith($"MAIL FROM:<{DeliveryHarness.Sender}>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Same_recipient_given_twice_is_sent_once()
    {
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(InternalHop(server));
        await h.StartAsync();
        await h.SubmitAsync(SampleMessages.Clinical(), ["dr.durand@hopital-a.test", "dr.durand@hopital-a.test"]);

        await h.WaitAsync(() => h.SpoolIsEmpty() && server.Transactions.Count == 1, "delivery");

        Assert.Single(server.Transactions.Single().RcptTo);
    }

    [Fact]
    public async Task Messages_already_in_incoming_and_active_at_start_are_delivered()
    {
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(InternalHop(server));
        var a = await h.SubmitAsync(SampleMessages.Clinical("a@x"), ["dr.durand@hopital-a.test"]);
        var b = await h.SubmitAsync(SampleMessages.Clinical("b@x"), ["dr.durand@hopital-a.test"]);
        Assert.True(await h.Spool.MoveAsync(b, SpoolState.Incoming, SpoolState.Active)); // as if a previous run died mid-delivery

        await h.StartAsync();
        await h.WaitAsync(() => server.Transactions.Count == 2 && h.SpoolIsEmpty(), "both delivered");

        Assert.Contains(server.Transactions, t => t.Text.Contains("<a@x>", StringComparison.Ordinal));
        Assert.Contains(server.Transactions, t => t.Text.Contains("<b@x>", StringComparison.Ordinal));
        Assert.Null(h.Spool.Locate(a));
    }
}
