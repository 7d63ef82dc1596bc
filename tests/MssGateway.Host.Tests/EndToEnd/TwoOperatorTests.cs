using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MssGateway.Testing;
using Xunit.Abstractions;
using static MssGateway.Host.Tests.EndToEnd.EndToEndMail;

namespace MssGateway.Host.Tests.EndToEnd;

/// <summary>
/// Two real gateway processes, operator A (a.mssante.test) and operator B (b.mssante.test), each with
/// its own IGC-Santé-like server certificate under the same test roots: a CPS holder submits to A,
/// A relays over mutual TLS to B's relay listener, B delivers to its internal Postfix.
/// </summary>
public sealed class TwoOperatorTests(OperatorPki pki, ITestOutputHelper output) : IClassFixture<OperatorPki>
{
    [Fact]
    public async Task Message_from_a_CPS_holder_at_operator_A_reaches_the_mailbox_at_operator_B_with_trace_fields_of_both_gateways()
    {
        await using var postfix = await MaildirPostfix.StartAsync(DomainB, Recipient);
        using var b = await GatewayTestEnvironment.CreateAsync();
        Configure(b, "gateway.b.mssante.test", pki.B, pki.A);
        b.Configuration["Delivery"] = new JsonObject
        {
            ["Enabled"] = true,
            ["LocalDomains"] = new JsonArray(DomainB),
            ["InternalNextHop"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = postfix.Port, ["Protocol"] = "Smtp", ["Tls"] = "None" },
        };
        using var a = await GatewayTestEnvironment.CreateAsync();
        Configure(a, "gateway.a.mssante.test", pki.A, pki.A);
        a.Configuration["Delivery"] = DeliveryTo(b.RelayPort);

        await using var gatewayB = await b.StartAsync();
        await using var gatewayA = await a.StartAsync();
        using var cps = CpsCertificate(pki.A);
        var queueId = await SubmitAsync(a.SubmissionPort, cps, Sender, Recipient, Message("e2e-1"));

        var arrived = await EventuallyAsync(() => postfix.Delivered(Recipient).Count > 0, TimeSpan.FromSeconds(60));
        Assert.True(arrived, $"nothing in B's maildir for {Recipient} (queue id {queueId} at A)\n--- A ---\n{gatewayA.Output}\n--- B ---\n{gatewayB.Output}");
        var delivered = (await File.ReadAllTextAsync(postfix.Delivered(Recipient)[0])).Replace("\r\n", "\n", StringComparison.Ordinal);
        output.WriteLine(delivered);

        Assert.Contains(MssHeaders.Replace("\r\n", "\n", StringComparison.Ordinal), delivered, StringComparison.Ordinal);
        Assert.Contains("Message-ID: <e2e-1@a.mssante.test>", delivered, StringComparison.Ordinal);
        var byB = delivered.IndexOf("\tby gateway.b.mssante.test with ESMTPS", StringComparison.Ordinal);
        var byA = delivered.IndexOf("\tby gateway.a.mssante.test with ESMTPS id " + queueId, StringComparison.Ordinal);
        Assert.True(byB >= 0, "no Received field of gateway B:\n" + delivered);
        Assert.True(byA >= 0, "no Received field of gateway A:\n" + delivered);
        Assert.True(byB < byA, "B's Received field must be above A's:\n" + delivered);
        var resultsB = delivered.IndexOf("Authentication-Results: gateway.b.mssante.test;", StringComparison.Ordinal);
        var resultsA = delivered.IndexOf("Authentication-Results: gateway.a.mssante.test;", StringComparison.Ordinal);
        Assert.True(resultsB >= 0, "no Authentication-Results of gateway B:\n" + delivered);
        Assert.True(resultsA >= 0, "no Authentication-Results of gateway A:\n" + delivered);
        Assert.True(resultsB < byB && byB < resultsA && resultsA < byA, "trace fields out of order (each gateway prepends its Authentication-Results above its Received):\n" + delivered);
        Assert.Contains("client certificate \"CN=gateway.a.mssante.test,", delivered[resultsB..byB], StringComparison.Ordinal); // B saw A's server certificate
        Assert.Contains("national identifier " + DevPki.ClientNationalIdentifier, delivered[resultsA..byA], StringComparison.Ordinal); // A saw the CPS card
        Assert.Equal(1, Occurrences(delivered, "Authentication-Results: gateway.a.mssante.test;"));
        Assert.Equal(1, Occurrences(delivered, "Authentication-Results: gateway.b.mssante.test;"));

        // Each gateway removed the message from its spool once the next hop took it.
        Assert.True(await EventuallyAsync(() => SpoolFiles(a.SpoolPath, "active").Length == 0 && SpoolFiles(a.SpoolPath, "incoming").Length == 0 && SpoolFiles(a.SpoolPath, "deferred").Length == 0, TimeSpan.FromSeconds(10)), "A's spool still holds the message");
    }

    [Fact]
    public async Task Peer_with_a_certificate_from_another_pki_gets_nothing_and_the_message_is_deferred()
    {
        // B' presents a certificate with B's names from a rogue PKI; it would itself accept A (it trusts A's roots).
        using var rogue = await GatewayTestEnvironment.CreateAsync();
        Configure(rogue, "gateway.b.mssante.test", pki.Rogue, pki.A);
        using var a = await GatewayTestEnvironment.CreateAsync();
        Configure(a, "gateway.a.mssante.test", pki.A, pki.A);
        a.Configuration["Delivery"] = DeliveryTo(rogue.RelayPort);
        Assert.Equal(pki.SubjectB, pki.SubjectRogue); // same DN text: only the chain tells them apart

        await using var gatewayRogue = await rogue.StartAsync();
        await using var gatewayA = await a.StartAsync();
        using var cps = CpsCertificate(pki.A);
        var queueId = await SubmitAsync(a.SubmissionPort, cps, Sender, Recipient, Message("e2e-2"));

        var deferred = await EventuallyAsync(() => SpoolFiles(a.SpoolPath, "deferred").Any(f => Path.GetFileName(f) == queueId), TimeSpan.FromSeconds(60));
        Assert.True(deferred, $"message {queueId} not deferred at A\n--- A ---\n{gatewayA.Output}");
        var list = (await QueueCommandAsync("list", "deferred", "--spool", a.SpoolPath)).EnsureSuccess("mssgw queue list deferred");
        Assert.Contains(queueId, list.StdOut, StringComparison.Ordinal);
        var show = (await QueueCommandAsync("show", queueId, "--spool", a.SpoolPath)).EnsureSuccess("mssgw queue show");
        output.WriteLine(show.StdOut);
        Assert.Contains("peer_cert_untrusted", show.StdOut, StringComparison.Ordinal);

        foreach (var state in new[] { "incoming", "active", "deferred", "hold", "corrupt" })
        {
            Assert.Empty(SpoolFiles(rogue.SpoolPath, state));
        }
    }

    [Fact]
    public async Task Peer_whose_certificate_DN_is_not_listed_for_the_recipient_domain_gets_nothing()
    {
        using var b = await GatewayTestEnvironment.CreateAsync();
        Configure(b, "gateway.b.mssante.test", pki.B, pki.A);
        using var a = await GatewayTestEnvironment.CreateAsync();
        Configure(a, "gateway.a.mssante.test", pki.A, pki.A);
        WriteDirectory(a.DirectoryFile, pki.SubjectA, "CN=gateway.autre.mssante.test,OU=1750000002,O=AUTRE OPERATEUR,C=FR");
        a.Configuration["Delivery"] = DeliveryTo(b.RelayPort);

        await using var gatewayB = await b.StartAsync();
        await using var gatewayA = await a.StartAsync();
        using var cps = CpsCertificate(pki.A);
        var queueId = await SubmitAsync(a.SubmissionPort, cps, Sender, Recipient, Message("e2e-3"));

        var deferred = await EventuallyAsync(() => SpoolFiles(a.SpoolPath, "deferred").Any(f => Path.GetFileName(f) == queueId), TimeSpan.FromSeconds(60));
        Assert.True(deferred, $"message {queueId} not deferred at A\n--- A ---\n{gatewayA.Output}");
        var show = (await QueueCommandAsync("show", queueId, "--spool", a.SpoolPath)).EnsureSuccess("mssgw queue show");
        Assert.Contains("peer_not_listed", show.StdOut, StringComparison.Ordinal);
        foreach (var state in new[] { "incoming", "active", "deferred", "hold", "corrupt" })
        {
            Assert.Empty(SpoolFiles(b.SpoolPath, state));
        }
    }

    [Fact]
    public async Task Relay_listener_accepts_an_operator_sender_domain_only_from_the_certificate_listed_for_it()
    {
        using var b = await GatewayTestEnvironment.CreateAsync();
        Configure(b, "gateway.b.mssante.test", pki.B, pki.A);
        b.Configuration["Delivery"] = new JsonObject { ["Enabled"] = false, ["LocalDomains"] = new JsonArray(DomainB) }; // B's relay takes mail for B's domain (issue 12 rule 2)
        await using var gatewayB = await b.StartAsync();
        using var certificateA = X509Certificate2.CreateFromPemFile(pki.A.ServerCertificate, pki.A.ServerKey);
        using var certificateB = X509Certificate2.CreateFromPemFile(pki.B.ServerCertificate, pki.B.ServerKey);

        await using (var smtp = await SmtpTestClient.ConnectAsync(b.RelayPort))
        {
            (await smtp.ReadReplyAsync()).AssertCode(220);
            await smtp.StartTlsAsync(certificateA);
            (await smtp.CommandAsync("EHLO gateway.a.mssante.test")).AssertCode(250);
            (await smtp.CommandAsync($"MAIL FROM:<{Sender}>")).AssertCode(250);
            (await smtp.CommandAsync($"RCPT TO:<{Recipient}>")).AssertCode(250);
            (await smtp.CommandAsync("RSET")).AssertCode(250);
            (await smtp.CommandAsync("MAIL FROM:<someone@not-listed.mssante.test>")).AssertCode(550, "5.7.1");
        }

        // B's own certificate is valid IGC-Santé, but its DN is listed for b.mssante.test, not for a.mssante.test.
        await using (var smtp = await SmtpTestClient.ConnectAsync(b.RelayPort))
        {
            (await smtp.ReadReplyAsync()).AssertCode(220);
            await smtp.StartTlsAsync(certificateB);
            (await smtp.CommandAsync("EHLO gateway.b.mssante.test")).AssertCode(250);
            (await smtp.CommandAsync($"MAIL FROM:<{Sender}>")).AssertCode(550, "5.7.1");
        }
    }

    private void Configure(GatewayTestEnvironment env, string serverName, DevPki server, DevPki anchors)
    {
        env.Configuration["ServerName"] = serverName;
        OperatorPki.Apply(env.Configuration, server, anchors, Path.Combine(env.WorkDirectory, "crl-cache"));
        WriteDirectory(env.DirectoryFile, pki.SubjectA, pki.SubjectB);
    }

    private static JsonObject DeliveryTo(int relayPort) => new()
    {
        ["Enabled"] = true,
        ["TransportMap"] = new JsonObject { [DomainB] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{relayPort}") },
    };

    private static int Occurrences(string text, string value)
    {
        var n = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
