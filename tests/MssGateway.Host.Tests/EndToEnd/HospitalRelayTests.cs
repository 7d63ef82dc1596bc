using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using MssGateway.Testing;
using Xunit.Abstractions;
using static MssGateway.Host.Tests.EndToEnd.EndToEndMail;

namespace MssGateway.Host.Tests.EndToEnd;

/// <summary>
/// The hospital recipe of docs/hospital-guide.md, tested as a hospital runs it (<see cref="HospitalNetwork"/>):
/// hospital A's Postfix, configured from the guide's blocks, sends the MSSanté domains — and only
/// them — through the gateway with its organisation certificate (<c>smtp_tls_security_level = secure</c>
/// against the IGC-Santé CAs), the gateway relays to operator B's Postfix, and the message lands in
/// B's maildir with the gateway's Authentication-Results; internet mail keeps the hospital's own
/// route; the hospital's bounces (null sender) pass; mail from operator B reaches the hospital's
/// mailbox through the guide's receiving side.
/// </summary>
public sealed class HospitalRelayTests(HospitalNetwork net, ITestOutputHelper log) : IClassFixture<HospitalNetwork>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Message_submitted_to_the_hospital_Postfix_reaches_the_receiver_maildir_with_the_gateway_Authentication_Results()
    {
        var messageId = "hospital-" + Guid.NewGuid().ToString("N");
        await SubmitToHospitalAsync(HospitalNetwork.Sender, HospitalNetwork.Receiver, Message(messageId));

        var delivered = await DeliveredAsync(net.OperatorB, HospitalNetwork.Receiver, messageId);

        Assert.Contains(MssHeaders.Replace("\r\n", "\n", StringComparison.Ordinal), delivered, StringComparison.Ordinal);
        var results = delivered.IndexOf("Authentication-Results: gateway.a.mssante.test;", StringComparison.Ordinal);
        var byGateway = delivered.IndexOf("\tby gateway.a.mssante.test with ESMTPS id ", StringComparison.Ordinal);
        var byHospital = delivered.IndexOf($"\tby mail.{HospitalNetwork.Domain} (Postfix)", StringComparison.Ordinal);
        Assert.True(results >= 0 && byGateway > results, "no Authentication-Results of the gateway above its Received field:\n" + delivered);
        Assert.True(byHospital > byGateway, "the hospital Postfix's Received field must be below the gateway's:\n" + delivered);
        var authentication = delivered[results..byGateway];
        Assert.Contains("x-tls=pass (TLSv1.", authentication, StringComparison.Ordinal);
        Assert.Contains("client certificate \"CN=HOPITAL A MESSAGERIE,", authentication, StringComparison.Ordinal); // the organisation certificate, not a CPS
        Assert.Contains("structure identifier " + HospitalPki.StructureIdentifier, authentication, StringComparison.Ordinal);
        // It took the recipe's transport. Postfix's log reaches its file through postlogd, after the delivery it
        // records: the line may come a moment after the message has arrived at the receiver.
        Assert.True(
            await EventuallyAsync(() => net.HospitalPostfix.MailLog.Contains("postfix/mssante/smtp", StringComparison.Ordinal), Patience),
            "the hospital Postfix's log names no delivery by the mssante transport:\n" + net.HospitalPostfix.MailLog);
    }

    [Fact]
    public async Task Internet_mail_keeps_the_hospital_route_and_never_reaches_the_gateway()
    {
        var messageId = "internet-" + Guid.NewGuid().ToString("N");
        var acceptedBefore = AcceptedByGateway();
        await SubmitToHospitalAsync(HospitalNetwork.Sender, HospitalNetwork.InternetMailbox, Message(messageId).Replace(Recipient, HospitalNetwork.InternetMailbox, StringComparison.Ordinal));

        var delivered = await DeliveredAsync(net.InternetRelay, HospitalNetwork.InternetMailbox, messageId);

        Assert.DoesNotContain("gateway.a.mssante.test", delivered, StringComparison.Ordinal);
        Assert.DoesNotContain("Authentication-Results", delivered, StringComparison.Ordinal);
        Assert.Equal(acceptedBefore, AcceptedByGateway());
        Assert.DoesNotContain(HospitalNetwork.InternetMailbox, net.Gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("example.org", await File.ReadAllTextAsync(Path.Combine(net.HospitalPostfix.WorkDirectory, "mssante", "transport")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bounce_from_the_hospital_Postfix_with_the_null_sender_passes_the_gateway()
    {
        // A message from operator B's correspondent reaches the hospital's Postfix and fails there
        // (the mailbox does not exist): Postfix bounces it, MAIL FROM:<>, to B through the gateway.
        var lost = $"ancien.{Guid.NewGuid():N}@{HospitalNetwork.Domain}";
        var original = $"From: <{HospitalNetwork.Receiver}>\r\nTo: <{lost}>\r\nSubject: rendez-vous\r\nMessage-ID: <bounce-{Guid.NewGuid():N}@b.mssante.test>\r\n\r\nBonjour.\r\n";
        (await ExternalProcess.RunAsync("sendmail", ["-C", net.HospitalPostfix.ConfigDirectory, "-f", HospitalNetwork.Receiver, lost], stdin: original)).EnsureSuccess("sendmail");

        var bounce = await DeliveredAsync(net.OperatorB, HospitalNetwork.Receiver, lost);

        Assert.StartsWith("Return-Path: <>\n", bounce, StringComparison.Ordinal); // the null sender, as B's Postfix received it
        Assert.Contains("multipart/report; report-type=delivery-status", bounce, StringComparison.Ordinal);
        Assert.Contains($"From: Mail Delivery System <{HospitalNetwork.Postmaster}>", bounce, StringComparison.Ordinal); // the guide's generic map
        var results = bounce.IndexOf("Authentication-Results: gateway.a.mssante.test;", StringComparison.Ordinal);
        Assert.True(results >= 0, "the bounce did not come through the gateway:\n" + bounce);
        Assert.Contains("structure identifier " + HospitalPki.StructureIdentifier, bounce[results..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mail_from_another_operator_reaches_the_hospital_mailbox_through_the_guide_receiving_side()
    {
        var messageId = "inbound-" + Guid.NewGuid().ToString("N");
        using var operatorB = X509Certificate2.CreateFromPemFile(net.Pki.B.ServerCertificate, net.Pki.B.ServerKey);
        await using (var smtp = await SmtpTestClient.ConnectAsync(net.GatewayEnvironment.RelayPort))
        {
            (await smtp.ReadReplyAsync()).AssertCode(220);
            await smtp.StartTlsAsync(operatorB);
            (await smtp.CommandAsync("EHLO gateway.b.mssante.test")).AssertCode(250);
            (await smtp.CommandAsync($"MAIL FROM:<{HospitalNetwork.Receiver}>")).AssertCode(250);
            (await smtp.CommandAsync($"RCPT TO:<{HospitalNetwork.Sender}>")).AssertCode(250);
            (await smtp.CommandAsync("DATA")).AssertCode(354);
            await smtp.SendAsync($"From: <{HospitalNetwork.Receiver}>\r\nTo: <{HospitalNetwork.Sender}>\r\nSubject: reponse\r\nMessage-ID: <{messageId}@b.mssante.test>\r\n\r\nMerci.\r\n.\r\n");
            (await smtp.ReadReplyAsync()).AssertCode(250, "2.0.0");
            (await smtp.CommandAsync("QUIT")).AssertCode(221);
        }

        var delivered = await DeliveredAsync(net.HospitalPostfix, HospitalNetwork.Sender, messageId);

        Assert.Contains($"Delivered-To: {HospitalNetwork.Sender}", delivered, StringComparison.Ordinal);
        var results = delivered.IndexOf("Authentication-Results: gateway.a.mssante.test;", StringComparison.Ordinal);
        Assert.True(results >= 0, "no Authentication-Results of the gateway:\n" + delivered);
        Assert.Contains("client certificate \"CN=gateway.b.mssante.test,", delivered[results..], StringComparison.Ordinal);
        Assert.Contains($"by mail.{HospitalNetwork.Domain} (Postfix) with ESMTPS", delivered, StringComparison.Ordinal); // the gateway used STARTTLS towards the hospital
    }

    [Fact]
    public async Task Hospital_Postfix_sends_nothing_to_an_impostor_whose_certificate_is_not_IGC_Sante()
    {
        // The impostor holds a valid certificate with the right name ("localhost", what the hospital's
        // transport names) from another PKI: only the recipe's "secure" level tells it apart.
        using var impostorEnvironment = await GatewayTestEnvironment.CreateAsync();
        impostorEnvironment.Configuration["ServerName"] = "gateway.a.mssante.test";
        OperatorPki.Apply(impostorEnvironment.Configuration, net.Pki.Operators.Rogue, net.Pki.A, Path.Combine(impostorEnvironment.WorkDirectory, "crl-cache"));
        await using var impostor = await impostorEnvironment.StartAsync();
        await using var hospital = await MaildirPostfix.StartAsync(HospitalNetwork.Domain, null, [HospitalNetwork.Sender], dir => net.SendingSideAsync(dir, impostorEnvironment.SubmissionPort));
        var messageId = "impostor-" + Guid.NewGuid().ToString("N");

        await SubmitToHospitalAsync(hospital, HospitalNetwork.Sender, HospitalNetwork.Receiver, Message(messageId));

        var deferred = await EventuallyAsync(() => hospital.MailLog.Contains("status=deferred", StringComparison.Ordinal), Patience);
        log.WriteLine(hospital.MailLog);
        Assert.True(deferred, "the hospital Postfix did not defer the message:\n" + hospital.MailLog + "\n--- impostor ---\n" + impostor.Output);
        Assert.Contains("certificate", hospital.MailLog.Split("status=deferred")[1].Split('\n')[0], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(impostor.StdOutLines, l => l.Contains("\"EventId\":2,", StringComparison.Ordinal)); // the impostor accepted nothing
        Assert.Empty(SpoolFiles(impostorEnvironment.SpoolPath, "incoming"));
        Assert.DoesNotContain("status=bounced", hospital.MailLog, StringComparison.Ordinal); // kept, to go once the real gateway answers
    }

    [Fact]
    public async Task Transport_map_made_by_the_guide_script_lists_every_authorised_domain_but_the_hospital_own()
    {
        var transport = await File.ReadAllTextAsync(Path.Combine(net.HospitalPostfix.WorkDirectory, "mssante", "transport"));
        var nexthop = string.Create(CultureInfo.InvariantCulture, $"mssante:[localhost]:{net.GatewayEnvironment.SubmissionPort}");
        var idn = new IdnMapping().GetAscii("hôpital-sud.mssante.test");

        Assert.Equal([$"b.mssante.test {nexthop}", $"c.mssante.test {nexthop}", $"{idn} {nexthop}"], transport.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(Path.Combine(net.HospitalPostfix.WorkDirectory, "mssante", "transport.db")), "postmap did not run");
    }

    [Fact]
    public void The_test_Postfix_runs_the_guide_blocks_and_the_guide_receiving_side()
    {
        var mainCf = File.ReadAllText(Path.Combine(net.HospitalPostfix.ConfigDirectory, "main.cf"));
        var masterCf = File.ReadAllText(Path.Combine(net.HospitalPostfix.ConfigDirectory, "master.cf"));
        var values = net.RecipeValues(Path.Combine(net.HospitalPostfix.WorkDirectory, "mssante"));

        Assert.Contains(HospitalRecipe.Block("postfix-main.cf", values), mainCf, StringComparison.Ordinal);
        Assert.Contains(HospitalRecipe.Block("postfix-master.cf", values), masterCf, StringComparison.Ordinal);
        Assert.Equal(["postfix-main.cf", "postfix-master.cf", "transport-from-liste-blanche", "postfix-generic", "postfix-inbound-main.cf"], HospitalRecipe.Names());

        // Receiving side: every setting of the guide's block is set in the test Postfix (MaildirPostfix);
        // the ones that do not depend on the site have the guide's value.
        var settings = Settings(mainCf);
        foreach (var (key, value) in Settings(HospitalRecipe.Block("postfix-inbound-main.cf")))
        {
            Assert.True(settings.ContainsKey(key), $"the test Postfix does not set {key} (docs/hospital-guide.md §3)");
            if (key is "smtpd_relay_restrictions" or "virtual_mailbox_limit" or "message_size_limit" or "smtpd_tls_security_level")
            {
                Assert.Equal(value, settings[key]);
            }
        }

        Assert.StartsWith("127.0.0.0/8", settings["mynetworks"], StringComparison.Ordinal);
        Assert.Equal(HospitalNetwork.Domain, settings["virtual_mailbox_domains"]);
    }

    private static Dictionary<string, string> Settings(string mainCf)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in mainCf.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0 || line.StartsWith('#') || char.IsWhiteSpace(line[0]) || eq < 0)
            {
                continue;
            }

            settings[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }

        return settings;
    }

    private Task SubmitToHospitalAsync(string from, string to, string message) => SubmitToHospitalAsync(net.HospitalPostfix, from, to, message);

    private static async Task SubmitToHospitalAsync(MaildirPostfix hospital, string from, string to, string message)
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(hospital.Port);
        (await smtp.ReadReplyAsync()).AssertCode(220);
        (await smtp.CommandAsync("EHLO dpi.a.mssante.test")).AssertCode(250);
        (await smtp.CommandAsync($"MAIL FROM:<{from}>")).AssertCode(250);
        (await smtp.CommandAsync($"RCPT TO:<{to}>")).AssertCode(250);
        (await smtp.CommandAsync("DATA")).AssertCode(354);
        await smtp.SendAsync(message + ".\r\n");
        (await smtp.ReadReplyAsync()).AssertCode(250);
        (await smtp.CommandAsync("QUIT")).AssertCode(221);
    }

    /// <summary>The message in <paramref name="mailbox"/>'s maildir that contains <paramref name="marker"/>, LF line ends.</summary>
    private async Task<string> DeliveredAsync(MaildirPostfix postfix, string mailbox, string marker)
    {
        string? found = null;
        var arrived = await EventuallyAsync(
            async () =>
            {
                foreach (var file in postfix.Delivered(mailbox))
                {
                    var text = (await File.ReadAllTextAsync(file)).Replace("\r\n", "\n", StringComparison.Ordinal);
                    if (text.Contains(marker, StringComparison.Ordinal))
                    {
                        found = text;
                        return true;
                    }
                }

                return false;
            },
            Patience);
        Assert.True(arrived, $"nothing with '{marker}' in {mailbox}'s maildir\n{net.Diagnostics()}");
        log.WriteLine(found);
        return found!;
    }

    private int AcceptedByGateway() => net.Gateway.StdOutLines.Count(l => l.Contains("\"EventId\":2,", StringComparison.Ordinal));
}
