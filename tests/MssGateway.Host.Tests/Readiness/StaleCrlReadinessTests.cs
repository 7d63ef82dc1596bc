using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Readiness;

/// <summary>
/// DESIGN.md §3 "fail closed once the CRL is past nextUpdate + grace": when the CRL of the CPS issuing
/// CA goes stale, /readyz turns false (check "trust") and CPS sessions are refused with
/// client_cert_revocation_unknown; a fresh CRL file brings both back, without a restart.
/// </summary>
public sealed class StaleCrlReadinessTests
{
    [Fact]
    public async Task A_stale_crl_makes_readyz_false_and_refuses_certificates_until_a_fresh_crl_arrives()
    {
        using var pkiDir = new TempDirectory("mssgw-stale-crl");
        var pki = await DevPki.CreateAsync(pkiDir.Path);
        var crl = Path.Combine(pki.Directory, "crl", "ca-fort-personnes.crl.pem");
        // Start on a fresh CRL: how long the gateway takes to start (a loaded machine) must not decide
        // whether the CRL is already stale when the first session arrives.
        await GenerateCrlAsync(pki, crl, "-crldays", "30");

        using var env = await GatewayTestEnvironment.CreateAsync();
        env.Configuration["Tls"] = new JsonObject { ["CertificateFile"] = pki.ServerCertificate, ["KeyFile"] = pki.ServerKey, ["ChainFile"] = pki.ServerChain };
        env.Configuration["Trust"] = new JsonObject
        {
            ["AnchorPaths"] = new JsonArray(pki.CaBundle),
            ["ReloadInterval"] = "00:00:01",
            ["VerdictCacheDuration"] = "00:00:01",
            ["Revocation"] = new JsonObject
            {
                ["UseDistributionPoints"] = false,
                ["Grace"] = "00:00:00",
                ["CrlFiles"] = new JsonArray(System.IO.Directory.GetFiles(Path.Combine(pki.Directory, "crl")).Select(f => (JsonNode)f).ToArray()),
                ["CacheDirectory"] = Path.Combine(env.WorkDirectory, "crl-cache"),
            },
        };
        await using var gateway = await env.StartAsync();
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(pki.ClientPkcs12, DevPki.ClientPkcs12Password);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{env.HttpPort}/") };

        Assert.Equal(250, await FirstCommandAfterTlsAsync(env.SmtpsPort, certificate));

        // A newer CRL whose nextUpdate has already passed (grace 0): written aside, moved in once stale.
        var staleCrl = Path.Combine(pkiDir.Path, "stale.crl.pem");
        await GenerateCrlAsync(pki, staleCrl, "-crlsec", "1");
        await Task.Delay(TimeSpan.FromSeconds(2));
        File.Move(staleCrl, crl, overwrite: true);

        var stale = await WaitForReadyzAsync(http, HttpStatusCode.ServiceUnavailable);
        Assert.False(stale["checks"]!["trust"]!["ok"]!.GetValue<bool>());
        var refused = await RefusalAsync(env.SmtpsPort, certificate);
        Assert.Contains("535 5.7.8", refused, StringComparison.Ordinal);
        Assert.Contains("(client_cert_revocation_unknown)", refused, StringComparison.Ordinal);

        await GenerateCrlAsync(pki, crl, "-crldays", "30");
        var fresh = await WaitForReadyzAsync(http, HttpStatusCode.OK);
        Assert.True(fresh["checks"]!["trust"]!["ok"]!.GetValue<bool>());
        Assert.Equal(250, await FirstCommandAfterTlsAsync(env.SmtpsPort, certificate));
    }

    private static async Task GenerateCrlAsync(DevPki pki, string output, params string[] validity)
    {
        var args = new List<string> { "ca", "-config", "db/ca-fort-personnes/ca.cnf", "-gencrl", "-out", output };
        args.AddRange(validity);
        (await ExternalProcess.RunAsync("openssl", args, workingDirectory: pki.Directory, environment: new Dictionary<string, string> { ["OPENSSL_CONF"] = "/dev/null" })).EnsureSuccess("openssl ca -gencrl");
    }

    private static async Task<int> FirstCommandAfterTlsAsync(int port, X509Certificate2 certificate)
    {
        await using var c = await SmtpTestClient.ConnectAsync(port, certificate, implicitTls: true);
        (await c.ReadReplyAsync()).AssertCode(220);
        return (await c.CommandAsync("EHLO client.test")).Code;
    }

    private static async Task<string> RefusalAsync(int port, X509Certificate2 certificate)
    {
        await using var c = await SmtpTestClient.ConnectAsync(port, certificate, implicitTls: true);
        (await c.ReadReplyAsync()).AssertCode(220);
        return (await c.CommandAsync("EHLO client.test")).Text;
    }

    private static async Task<JsonNode> WaitForReadyzAsync(HttpClient http, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string last = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            using var r = await http.GetAsync(new Uri("readyz", UriKind.Relative));
            last = await r.Content.ReadAsStringAsync();
            if (r.StatusCode == expected)
            {
                return JsonNode.Parse(last)!;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"/readyz never answered {(int)expected}; last: {last}");
    }
}
