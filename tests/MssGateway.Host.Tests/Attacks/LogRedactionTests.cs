using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MssGateway.Host.Tests.Trust;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>
/// Issue 12 rule 9: with address hashing on — the default outside dev mode — no mail address reaches
/// the logs in clear: not in envelope refusals, not in sender binding events, not in accepted-message
/// lines, and not inside a remote server's reply quoted in a delivery log
/// ("550 5.1.1 &lt;bob@x&gt;: unknown"). The remote here is a real Postfix that does not know the mailbox.
/// </summary>
[Collection(AttackCollection.Name)]
public sealed class LogRedactionTests(AttackGateway gateway)
{
    private static readonly string[] Addresses =
    [
        AttackGateway.Holder, AttackGateway.Colleague, AttackGateway.ListedOnUnauthorisedDomain, AttackGateway.OtherAuthorisedDomainMailbox, AttackGateway.OperatorBMailbox,
    ];

    [Fact]
    public async Task Envelope_refusals_binding_violations_and_accepted_messages_log_only_keyed_hashes()
    {
        await using (var c = await gateway.ConnectAsync("submission", gateway.HolderCard))
        {
            ReplyAssert.Refused(await c.CommandAsync($"MAIL FROM:<{AttackGateway.Colleague}>"), 550, "5.7.1", "sender_not_bound");
            (await c.CommandAsync($"MAIL FROM:<{AttackGateway.Holder}>")).AssertCode(250);
            ReplyAssert.Refused(await c.CommandAsync($"RCPT TO:<{AttackGateway.ListedOnUnauthorisedDomain}>"), 550, "5.7.1", "domain_not_authorised");
        }

        await using (var c = await gateway.ConnectAsync("smtps", gateway.HolderCard))
        {
            ReplyAssert.Queued(await AttackGateway.SendAsync(c, AttackGateway.Holder, AttackGateway.Colleague, AttackMessages.With($"From: <{AttackGateway.OtherAuthorisedDomainMailbox}>\r\n")));
        }

        await using (var c = await gateway.ConnectAsync("relay", gateway.OperatorB))
        {
            (await c.CommandAsync($"MAIL FROM:<{AttackGateway.OperatorBMailbox}>")).AssertCode(250);
            ReplyAssert.Refused(await c.CommandAsync($"RCPT TO:<{AttackGateway.OtherAuthorisedDomainMailbox}>"), 550, "5.7.1", "relay_denied");
        }

        var log = gateway.Log;
        foreach (var address in Addresses)
        {
            Assert.DoesNotContain(address, log, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains(gateway.HashOf(AttackGateway.Colleague), log, StringComparison.Ordinal);
        Assert.Contains(gateway.HashOf(AttackGateway.ListedOnUnauthorisedDomain), log, StringComparison.Ordinal);
        Assert.Contains(gateway.HashOf(AttackGateway.OtherAuthorisedDomainMailbox), log, StringComparison.Ordinal); // the tagged From
    }

    [Fact]
    public async Task A_remote_reply_quoting_the_recipient_is_logged_with_the_address_hashed_by_default()
    {
        const string known = "dev.recipient@hopital-dev.mssante.test";
        const string unknownAtTheRemote = "secretariat.cardiologie@hopital-dev.mssante.test";
        await using var postfix = await MaildirPostfix.StartAsync(AttackGateway.Domain, known);
        using var env = await GatewayTestEnvironment.CreateAsync();
        env.Configuration["Delivery"] = new JsonObject
        {
            ["Enabled"] = true,
            ["LocalDomains"] = new JsonArray(AttackGateway.Domain),
            ["InternalNextHop"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = postfix.Port, ["Protocol"] = "Smtp", ["Tls"] = "None" },
        };

        // No Logging:HashAddresses: the default (on) applies, with a key drawn at start.
        await using var process = await env.StartAsync();
        using var card = X509CertificateLoader.LoadPkcs12FromFile(env.Pki.ClientPkcs12, DevPki.ClientPkcs12Password);
        await using (var c = await SmtpTestClient.ConnectAsync(env.SubmissionPort, card))
        {
            (await c.ReadReplyAsync()).AssertCode(220);
            await c.StartTlsAsync(card);
            (await c.CommandAsync("EHLO client.test")).AssertCode(250);
            ReplyAssert.Queued(await AttackGateway.SendAsync(c, AttackGateway.Holder, unknownAtTheRemote, AttackMessages.With($"From: <{AttackGateway.Holder}>\r\n")));
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? attempt = null;
        while (attempt is null && DateTime.UtcNow < deadline)
        {
            attempt = process.StdOutLines.FirstOrDefault(l => l.Contains("\"EventId\":6001,", StringComparison.Ordinal) && l.Contains("\"ReplyCode\":550", StringComparison.Ordinal));
            await Task.Delay(200);
        }

        Assert.True(attempt is not null, "no failed delivery attempt logged:\n" + process.Output);
        var reply = JsonNode.Parse(attempt)!["State"]!["Reply"]!.GetValue<string>();
        Assert.StartsWith("550 5.1.1 <h:", reply, StringComparison.Ordinal); // Postfix: "550 5.1.1 <address>: Recipient address rejected: ..."
        Assert.DoesNotContain(unknownAtTheRemote, process.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(AttackGateway.Holder, process.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(process.StdOutLines, l => l.Contains("\"EventId\":9,", StringComparison.Ordinal)); // the warning about the per-start key
    }

    [Fact]
    public void Hashing_is_on_by_default_and_only_dev_mode_turns_it_off()
    {
        Assert.True(new LoggingSection().HashAddresses);
        var production = JsonNode.Parse(File.ReadAllText(RepositoryPaths.Combine("gateway", "MssGateway.Host", "appsettings.json")))!;
        var development = JsonNode.Parse(File.ReadAllText(RepositoryPaths.Combine("gateway", "MssGateway.Host", "appsettings.Development.json")))!;

        // The default lives in LoggingSection (issue 14: no defaults written into appsettings.json): production may
        // leave the key out, but must not turn hashing off.
        Assert.NotEqual(false, production["Gateway"]?["Logging"]?["HashAddresses"]?.GetValue<bool>());
        Assert.False(development["Gateway"]!["Logging"]!["HashAddresses"]!.GetValue<bool>());
    }
}
