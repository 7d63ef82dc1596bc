using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MssGateway.Testing;
using static MssGateway.Host.Tests.EndToEnd.EndToEndMail;

namespace MssGateway.Host.Tests.EndToEnd;

/// <summary>
/// The gateway reading a real Redis directory loaded by the real mssgw-directory-sync (flat-file
/// source + liste blanche XML): envelope decisions, readiness, and the outage of Redis and its return.
/// </summary>
public sealed class RedisDirectoryTests
{
    private const string OtherHolderMailbox = "secretariat@a.mssante.test";
    private const string ListedOnUnauthorisedDomain = "dr.liste@domaine-non-autorise.test";

    [Fact]
    public async Task Gateway_decides_from_the_synced_Redis_directory_and_answers_451_and_not_ready_while_Redis_is_down()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        var redis = await RedisServer.StartAsync();
        try
        {
            var port = redis.Port;
            var syncConfig = await WriteSyncInputsAsync(env.WorkDirectory, port);
            await RunSyncAsync(syncConfig, env.WorkDirectory);

            UseRedisDirectory(env, redis);
            await using var gateway = await env.StartAsync();
            using var cps = CpsCertificate(env.Pki);

            await using (var smtp = await OpenAsync(env.SubmissionPort, cps))
            {
                (await smtp.CommandAsync($"MAIL FROM:<{Sender}>")).AssertCode(250);
                (await smtp.CommandAsync("RCPT TO:<recipient@a.mssante.test>")).AssertCode(250);
                (await smtp.CommandAsync($"RCPT TO:<{OtherHolderMailbox}>")).AssertCode(250);
                (await smtp.CommandAsync("RCPT TO:<nobody@a.mssante.test>")).AssertCode(550, "5.1.1");
                (await smtp.CommandAsync("RCPT TO:<someone@not-listed.mssante.test>")).AssertCode(550, "5.7.1");

                // Issue 12 rule 2: the liste blanche before the directory, which lists this mailbox.
                Trust.ReplyAssert.Refused(await smtp.CommandAsync($"RCPT TO:<{ListedOnUnauthorisedDomain}>"), 550, "5.7.1", "domain_not_authorised");
                (await smtp.CommandAsync("RSET")).AssertCode(250);
                (await smtp.CommandAsync($"MAIL FROM:<{OtherHolderMailbox}>")).AssertCode(550, "5.7.1");
                (await smtp.CommandAsync("RSET")).AssertCode(250);
                (await smtp.CommandAsync("MAIL FROM:<nobody@a.mssante.test>")).AssertCode(550, "5.7.1");
            }

            var (status, body) = await ReadyzAsync(env.HttpPort);
            Assert.True(status == HttpStatusCode.OK, "not ready with a fresh directory: " + body);
            Assert.True(DirectoryCheckOk(body), body);

            await redis.DisposeAsync();
            var down = await EventuallyAsync(async () => (await ReadyzAsync(env.HttpPort)).Status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30));
            (status, body) = await ReadyzAsync(env.HttpPort);
            Assert.True(down && status == HttpStatusCode.ServiceUnavailable, "still ready with Redis down: " + body);
            Assert.False(DirectoryCheckOk(body), body);
            Assert.True(OtherChecksOk(body), "only the directory check should fail: " + body);

            await using (var smtp = await OpenAsync(env.SubmissionPort, cps))
            {
                (await smtp.CommandAsync("MAIL FROM:<>")).AssertCode(250); // a CPS's null sender is decided at end of data (multipart/report)
                (await smtp.CommandAsync("RCPT TO:<recipient@a.mssante.test>")).AssertCode(451, "4.4.3");
            }

            await using (var smtp = await OpenAsync(env.SubmissionPort, cps))
            {
                (await smtp.CommandAsync($"MAIL FROM:<{Sender}>")).AssertCode(451, "4.4.3");
            }

            redis = await RedisServer.StartOnPortAsync(port);
            await RunSyncAsync(syncConfig, env.WorkDirectory);
            var back = await EventuallyAsync(async () => (await ReadyzAsync(env.HttpPort)).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
            (status, body) = await ReadyzAsync(env.HttpPort);
            Assert.True(back, "not ready again after Redis came back and the sync ran: " + body + "\n" + gateway.Output);

            await using (var smtp = await OpenAsync(env.SubmissionPort, cps))
            {
                (await smtp.CommandAsync($"MAIL FROM:<{Sender}>")).AssertCode(250);
                (await smtp.CommandAsync("RCPT TO:<recipient@a.mssante.test>")).AssertCode(250);
            }
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    /// <summary>
    /// Issue 14: a directory failure at end of data (the From header's binding to the card reads the directory)
    /// is the same temporary refusal as at MAIL or RCPT — 451 4.4.3 directory_unavailable, nothing spooled, the
    /// session still open — and not 451 4.3.0 local_error with the connection closed. Redis is stopped between
    /// the accepted RCPT and the end of data.
    /// </summary>
    [Fact]
    public async Task Directory_outage_at_end_of_data_answers_451_4_4_3_and_the_session_goes_on()
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        var redis = await RedisServer.StartAsync();
        var stopped = false;
        try
        {
            var syncConfig = await WriteSyncInputsAsync(env.WorkDirectory, redis.Port);
            await RunSyncAsync(syncConfig, env.WorkDirectory);
            UseRedisDirectory(env, redis);
            await using var gateway = await env.StartAsync();
            using var cps = CpsCertificate(env.Pki);

            await using var smtp = await OpenAsync(env.SubmissionPort, cps);
            (await smtp.CommandAsync($"MAIL FROM:<{Sender}>")).AssertCode(250);
            (await smtp.CommandAsync("RCPT TO:<recipient@a.mssante.test>")).AssertCode(250);
            (await smtp.CommandAsync("DATA")).AssertCode(354);

            await redis.DisposeAsync();
            stopped = true;

            await smtp.SendAsync(Message("outage-at-end-of-data") + ".\r\n");
            Trust.ReplyAssert.Refused(await smtp.ReadReplyAsync(), 451, "4.4.3", "directory_unavailable");
            (await smtp.CommandAsync("NOOP")).AssertCode(250);
            Assert.Empty(SpoolFiles(env.SpoolPath, "incoming"));
            Assert.True(await EventuallyAsync(() => gateway.Output.Contains("reason=directory_unavailable", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), gateway.Output);
            Assert.DoesNotContain("local_error", gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            if (!stopped)
            {
                await redis.DisposeAsync();
            }
        }
    }

    private static async Task<SmtpTestClient> OpenAsync(int port, System.Security.Cryptography.X509Certificates.X509Certificate2 cps)
    {
        var smtp = await SmtpTestClient.ConnectAsync(port);
        (await smtp.ReadReplyAsync()).AssertCode(220);
        await smtp.StartTlsAsync(cps);
        (await smtp.CommandAsync("EHLO client.a.mssante.test")).AssertCode(250);
        return smtp;
    }

    /// <summary>The ANS flat file (31 columns), the liste blanche XML and sync.json; returns the config path.</summary>
    private static async Task<string> WriteSyncInputsAsync(string dir, int redisPort)
    {
        var flat = Path.Combine(dir, "Extraction_Correspondance_MSSante.txt");
        await File.WriteAllTextAsync(flat, string.Join('\n',
        [
            FlatFileHeader,
            FlatFileLine("PER", Sender, "899700012349", "SENDER", "DEV", "Médecin"),
            FlatFileLine("PER", "recipient@a.mssante.test", "899700023452", "RECIPIENT", "DEV", "Infirmier"),
            FlatFileLine("ORG", OtherHolderMailbox, null, null, null, null),
            FlatFileLine("PER", ListedOnUnauthorisedDomain, "899700034566", "LISTE", "DEV", "Médecin"),
        ]) + "\n");
        var listeBlanche = Path.Combine(dir, "listeblanche.xml");
        await File.WriteAllTextAsync(listeBlanche, """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">
              <DateDeGeneration>2026-11-01T00:00:00+01:00</DateDeGeneration>
              <ListeDomaines>
                <Domaine>
                  <Nom>a.mssante.test</Nom>
                  <Description>Operateur A</Description>
                  <DNCertificatOperateur>CN=gateway.a.mssante.test,OU=1750000000,O=HOPITAL DEV,ST=Paris (75),C=FR</DNCertificatOperateur>
                  <DateMAJ>2026-11-01T00:00:00+01:00</DateMAJ>
                </Domaine>
              </ListeDomaines>
            </ListeBlancheMSSante>
            """);
        var config = Path.Combine(dir, "sync.json");
        var json = new JsonObject
        {
            ["DirectorySync"] = new JsonObject
            {
                ["Source"] = "FlatFile",
                ["FlatFile"] = new JsonObject { ["Path"] = flat },
                ["AuthorisedDomains"] = new JsonObject { ["Path"] = listeBlanche },
                ["RetireDelay"] = "00:00:00",
                ["Redis"] = new JsonObject { ["Configuration"] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{redisPort}") },
            },
        };
        await File.WriteAllTextAsync(config, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return config;
    }

    private static async Task RunSyncAsync(string config, string workDirectory)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "mssgw-directory-sync.dll");
        var r = await ExternalProcess.RunAsync("dotnet", [dll, "--once", "--config", config], workingDirectory: workDirectory, timeout: TimeSpan.FromMinutes(1));
        Assert.True(r.ExitCode == 0, $"mssgw-directory-sync --once exited with {r.ExitCode}:\n{r.StdOut}\n{r.StdErr}");
    }

    private static async Task<(HttpStatusCode Status, string Body)> ReadyzAsync(int httpPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/readyz"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static bool DirectoryCheckOk(string readyzBody) =>
        JsonNode.Parse(readyzBody)?["checks"]?["directory"]?["ok"]?.GetValue<bool>() ?? throw new InvalidOperationException("no directory check in " + readyzBody);

    private static bool OtherChecksOk(string readyzBody) =>
        JsonNode.Parse(readyzBody)!["checks"]!.AsObject().Where(c => c.Key != "directory").All(c => c.Value?["ok"]?.GetValue<bool>() == true);

    private const string FlatFileHeader =
        "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé de catégorie profession|Code Profession|Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|Enseigne commerciale structure BAL|L2COMPLEMENTLOCALISATION|L3COMPLEMENTDISTRIBUTION|L4NUMEROVOIE|L4COMPLEMENTNUMEROVOIE|NL4TYPEVOIE|L4LIBELLEVOIE|L5LIEUDITMENTION|L6LIGNEACHEMINEMENT|Code postal|Département|Pays";

    /// <summary>One line of the ANS extraction (columns in docs/directory.md and domain.md).</summary>
    private static string FlatFileLine(string kind, string address, string? nationalId, string? lastName, string? firstName, string? profession)
    {
        var f = new string[31];
        Array.Fill(f, string.Empty);
        f[0] = kind;
        f[1] = address;
        if (nationalId is not null)
        {
            f[2] = "8";
            f[3] = nationalId[1..];
            f[4] = nationalId;
        }

        f[5] = "1";
        f[6] = "1750000000";
        f[9] = lastName ?? string.Empty;
        f[10] = firstName ?? string.Empty;
        f[13] = profession is null ? string.Empty : "10";
        f[14] = profession ?? string.Empty;
        f[18] = "CENTRE HOSPITALIER DE TEST";
        f[30] = "France";
        return string.Join('|', f);
    }

    /// <summary>The gateway reads the directory from <paramref name="redis"/>: no cache, pointer re-read every second, 2 s connect timeout.</summary>
    private static void UseRedisDirectory(GatewayTestEnvironment env, RedisServer redis)
    {
        env.Configuration["Directory"] = new JsonObject
        {
            ["Kind"] = "Redis",
            ["Redis"] = new JsonObject
            {
                ["Configuration"] = redis.Configuration,
                ["CacheSize"] = 0,
                ["PointerRefreshInterval"] = "00:00:01",
                ["ConnectTimeout"] = "00:00:02",
            },
        };
        env.Configuration["Health"] = new JsonObject { ["DirectoryMaxAge"] = "01:00:00" };
    }
}
