using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using MssGateway.Journal;
using MssGateway.Spool;
using MssGateway.Spool.Encryption;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.EndToEnd;

/// <summary>
/// Issue 17 through the running gateway: with the spool encrypted, what delivery writes into the spool
/// volume — delivery state with the next hop's replies, a delay DSN quoting the recipient, the journal —
/// holds no message text and no address in clear; and a message altered on disk is set aside in
/// <c>corrupt/</c> and never reaches the receiver, with a journal record saying so.
/// </summary>
public sealed class EncryptedSpoolDeliveryTests
{
    private const string Domain = "hopital-dev.mssante.test";
    private const string Recipient = "dev.recipient@hopital-dev.mssante.test";
    private const string Marker = "MARQUEUR-PATIENT-91c4";

    private static async Task<(GatewayTestEnvironment Env, SpoolEncryption Encryption, string JournalKey)> EnvironmentAsync()
    {
        var env = await GatewayTestEnvironment.CreateAsync();
        var spoolKey = Path.Combine(env.WorkDirectory, "spool.key");
        var journalKey = Path.Combine(env.WorkDirectory, "journal.key");
        var encryption = new SpoolEncryption(new SpoolKeyRing(SpoolKey.Generate(spoolKey)), sealNewFiles: true);
        JournalSigner.Generate(journalKey).Dispose();
        env.Configuration["Spool"]!["Encryption"] = new JsonObject { ["Enabled"] = true, ["KeyFile"] = spoolKey };
        env.Configuration["Journal"] = new JsonObject { ["Enabled"] = true, ["SigningKeyFile"] = journalKey };
        env.Configuration["Logging"] = new JsonObject { ["Format"] = "Json", ["HashAddresses"] = true };
        return (env, encryption, journalKey);
    }

    private static async Task<string> SendAsync(GatewayTestEnvironment env, string body)
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(env.Pki.ClientPkcs12, DevPki.ClientPkcs12Password);
        await using var c = await SmtpTestClient.ConnectAsync(env.SmtpsPort, certificate, implicitTls: true);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO test")).AssertCode(250);
        (await c.CommandAsync("MAIL FROM:<dev.sender@hopital-dev.mssante.test>")).AssertCode(250);
        (await c.CommandAsync($"RCPT TO:<{Recipient}> NOTIFY=DELAY,FAILURE")).AssertCode(250);
        (await c.CommandAsync("DATA")).AssertCode(354);
        var reply = await c.CommandAsync(body + ".");
        reply.AssertCode(250, "2.0.0");
        return reply.Lines[0].Split(' ')[^1];
    }

    private static string Body(int lines) =>
        $"From: <dev.sender@hopital-dev.mssante.test>\r\nTo: <{Recipient}>\r\nSubject: {Marker} bilan\r\n\r\n"
        + string.Concat(Enumerable.Range(0, lines).Select(i => $"{Marker} ligne {i} resultats d'analyses\r\n"));

    [Fact]
    public async Task Delivery_state_delay_dsns_and_the_journal_hold_no_text_nor_address_in_clear()
    {
        var (env, encryption, journalKey) = await EnvironmentAsync();
        using var _ = env;
        // A next hop that refuses connections: the message is deferred (state with the reply), a delay DSN follows.
        env.Configuration["Delivery"] = new JsonObject
        {
            ["Enabled"] = true,
            ["LocalDomains"] = new JsonArray(Domain),
            ["InternalNextHop"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = FreePort.Next(), ["Protocol"] = "Smtp", ["Tls"] = "None" },
            ["RetrySchedule"] = new JsonArray("00:00:00.500"),
            ["RetryJitter"] = 0,
            ["DeadDestinationRetry"] = "00:00:00.500",
            ["DelayWarningAfter"] = "00:00:01",
            ["PollInterval"] = "00:00:00.200",
            ["DeferredScanInterval"] = "00:00:01",
        };
        await using (var gateway = await env.StartAsync())
        {
            var id = await SendAsync(env, Body(2000));
            var spool = new MessageSpool(env.SpoolPath, SpoolSyncMode.GroupCommit, encryption);
            var dsnQueued = await EndToEndMail.EventuallyAsync(
                () => spool.List(SpoolState.Deferred).Count + spool.List(SpoolState.Incoming).Count + spool.List(SpoolState.Active).Count >= 2 && spool.ReadState(id) is not null,
                TimeSpan.FromSeconds(60));
            Assert.True(dsnQueued, "no delay DSN queued:\n" + gateway.Output);
            Assert.Equal(0, await gateway.StopAsync());
        }

        var reader = new MessageSpool(env.SpoolPath, SpoolSyncMode.GroupCommit, encryption);
        var dsn = reader.List(SpoolState.Deferred).Concat(reader.List(SpoolState.Incoming)).Select(i => reader.Open(reader.Locate(i)!.Value, i)).Single(m => m.Envelope.Sender.Length == 0);
        using (var content = new StreamReader(dsn.OpenContent(), Encoding.UTF8))
        {
            Assert.Contains(Recipient, await content.ReadToEndAsync(), StringComparison.Ordinal); // the DSN names the recipient: sealed like any message
        }

        RawSpoolAssert.HoldsNone(env.SpoolPath, Marker, "resultats d'analyses", Recipient, "dev.sender@", "dev.recipient@");
        using var publicKey = JournalSigner.Load(journalKey);
        var instance = JournalFiles.Instances(Path.Combine(env.SpoolPath, "journal")).Single();
        Assert.True(JournalVerifier.Verify(instance, [publicKey]).Ok);
        var journal = string.Concat(JournalFiles.List(instance).Select(File.ReadAllText));
        Assert.Contains("\"kind\":\"delivery_attempt\"", journal, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"dsn\"", journal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_altered_on_disk_goes_to_corrupt_and_never_reaches_the_receiver()
    {
        await using var postfix = await MaildirPostfix.StartAsync(Domain, Recipient);
        var (env, encryption, _) = await EnvironmentAsync();
        using var __ = env;
        string id;
        await using (var accepting = await env.StartAsync())
        {
            id = await SendAsync(env, Body(3000)); // about 150 KiB: three chunks
            Assert.Equal(0, await accepting.StopAsync());
        }

        // One bit of the first chunk, as a disk fault or an attacker with the volume would change it.
        var path = new MessageSpool(env.SpoolPath, SpoolSyncMode.GroupCommit, encryption).PathOf(SpoolState.Incoming, id);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[200] ^= 0x20;
        await File.WriteAllBytesAsync(path, bytes);

        env.Configuration["Delivery"] = new JsonObject
        {
            ["Enabled"] = true,
            ["LocalDomains"] = new JsonArray(Domain),
            ["InternalNextHop"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = postfix.Port, ["Protocol"] = "Smtp", ["Tls"] = "None" },
            ["PollInterval"] = "00:00:00.200",
        };
        await using (var delivering = await env.StartAsync())
        {
            var spool = new MessageSpool(env.SpoolPath, SpoolSyncMode.GroupCommit, encryption);
            var setAside = await EndToEndMail.EventuallyAsync(() => System.IO.Directory.GetFiles(spool.DirectoryOf(SpoolState.Corrupt)).Length == 1, TimeSpan.FromSeconds(60));
            Assert.True(setAside, "the altered message was not set aside:\n" + delivering.Output);
            // The console logger writes from its own queue: the line may follow the move into corrupt/.
            Assert.True(await EndToEndMail.EventuallyAsync(() => delivering.Output.Contains("chunk_altered", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), "no chunk_altered in the log:\n" + delivering.Output);
            Assert.Equal(0, await delivering.StopAsync());
        }

        Assert.Empty(postfix.Delivered(Recipient));
        var journal = string.Concat(JournalFiles.List(JournalFiles.Instances(Path.Combine(env.SpoolPath, "journal")).Single()).Select(File.ReadAllText));
        Assert.Contains("\"result\":\"corrupt\"", journal, StringComparison.Ordinal);
    }
}
