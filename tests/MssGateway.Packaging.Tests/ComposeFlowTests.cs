using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MssGateway.Testing;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Issue 15.4: the compose stack runs the whole flow with delivery on — the hospital's Postfix
/// (sending MTA) relays MSSanté mail to the gateway's submission port with its organisation
/// certificate; the gateway delivers to a receiving operator's Postfix over mutual TLS, which
/// writes a maildir. No container engine here: the wiring is checked from the files, with real
/// Postfix (postconf, postmap) reading the Postfix configurations and openssl reading the
/// certificates scripts/dev-pki.sh makes.
/// </summary>
public sealed partial class ComposeFlowTests : IAsyncLifetime
{
    private const string HospitalDomain = "hopital-dev.mssante.test";
    private const string ReceiverDomain = "operateur-b.mssante.test";

    private static readonly string DockerDir = RepositoryPaths.Combine("docker");

    private readonly TempDirectory _pki = new("mssgw-compose-pki");

    private static JsonObject Services => YamlDocuments.ParseSingle(File.ReadAllText(Path.Combine(DockerDir, "docker-compose.yml")))["services"]!.AsObject();

    private static JsonNode GatewaySettings => JsonNode.Parse(File.ReadAllText(Path.Combine(DockerDir, "gateway", "appsettings.json")))!["Gateway"]!;

    public async Task InitializeAsync() => await DevPki.CreateAsync(_pki.Path);

    public Task DisposeAsync()
    {
        _pki.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Hospital_postfix_sends_mssante_domains_to_the_gateway_submission_port_and_keeps_its_own()
    {
        var conf = PostfixConfig("hospital-postfix");
        var transportMap = conf["transport_maps"];
        var transport = (await Postmap("hospital-postfix", transportMap, ReceiverDomain)).Trim();
        var m = NextHop().Match(transport);
        Assert.True(m.Success, $"transport for {ReceiverDomain}: '{transport}'");

        // The next hop is the gateway's network alias and a StartTls listener that requires a client certificate.
        Assert.Contains(m.Groups["host"].Value, Aliases("gateway"));
        var listener = GatewaySettings["Listeners"]!.AsArray().Single(l => l!["Port"]!.GetValue<int>() == int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture))!;
        Assert.Equal("submission", listener["Name"]!.GetValue<string>());
        Assert.Equal("StartTls", listener["TlsMode"]!.GetValue<string>());
        Assert.Equal("Require", listener["ClientCertificate"]!.GetValue<string>());

        // Its own domain stays local (virtual mailboxes): internet mail and local mail are not relayed.
        Assert.Equal("", (await Postmap("hospital-postfix", transportMap, HospitalDomain, expectFound: false)).Trim());
        Assert.Contains(HospitalDomain, conf["virtual_mailbox_domains"], StringComparison.Ordinal);
        Assert.Equal("", (await Postmap("hospital-postfix", transportMap, "gmail.com", expectFound: false)).Trim());

        // The transport verifies the gateway (secure + IGC-Santé CA) and presents the hospital's certificate.
        var master = await File.ReadAllTextAsync(Path.Combine(DockerDir, "postfix", "hospital", "master.cf"));
        var service = m.Groups["transport"].Value;
        var options = MasterOptions(master, service);
        Assert.Equal("secure", options["smtp_tls_security_level"]);
        Assert.Equal("nexthop", options["smtp_tls_secure_cert_match"]);
        var ca = HostPath("hospital-postfix", options["smtp_tls_CAfile"]);
        var cert = HostPath("hospital-postfix", options["smtp_tls_cert_file"]);
        Assert.True(File.Exists(HostPath("hospital-postfix", options["smtp_tls_key_file"])));

        // The gateway's certificate names the alias the hospital connects to, under the CA it trusts.
        await OpenSsl("verify", "-CAfile", ca, "-purpose", "sslserver", "-verify_hostname", m.Groups["host"].Value, PkiFile("server-chain.pem"));
        // The hospital's certificate chains to the gateway's anchors, for client authentication.
        await OpenSsl("verify", "-CAfile", PkiFile("ca.pem"), "-purpose", "sslclient", cert);
        // Its subject is the operator DN listed for the sender's domain (the gateway binds MAIL FROM to it).
        Assert.Contains(await SubjectAsync(cert), ListedSubjects(HospitalDomain));
    }

    [Fact]
    public async Task Gateway_delivers_to_the_receiving_operator_over_mutual_tls_and_local_mail_to_the_hospital()
    {
        var delivery = GatewaySettings["Delivery"]!;
        Assert.True(delivery["Enabled"]!.GetValue<bool>());
        var hop = delivery["TransportMap"]![ReceiverDomain]!.GetValue<string>();
        var host = hop.Split(':')[0];
        Assert.Equal("25", hop.Split(':')[1]);
        Assert.Contains(host, Aliases("receiver"));
        Assert.Contains(ReceiverDomain, ListedDomains());

        // The receiver: smtpd on 25, TLS required with a client certificate from the IGC-Santé CA, a maildir per mailbox.
        var conf = PostfixConfig("receiver");
        Assert.Equal("encrypt", conf["smtpd_tls_security_level"]);
        Assert.Equal("yes", conf["smtpd_tls_req_ccert"]);
        Assert.Contains(ReceiverDomain, conf["virtual_mailbox_domains"], StringComparison.Ordinal);
        var mailbox = (await Postmap("receiver", conf["virtual_mailbox_maps"], "dr.martin@" + ReceiverDomain)).Trim();
        Assert.EndsWith("/", mailbox);
        Assert.Contains(Services["receiver"]!["volumes"]!.AsArray().Select(v => Str(v)!), v => v.EndsWith(":" + conf["virtual_mailbox_base"], StringComparison.Ordinal));
        Assert.Matches(@"(?m)^smtp\s+inet\s", await File.ReadAllTextAsync(Path.Combine(DockerDir, "postfix", "receiver", "master.cf")));

        // The receiver's certificate names the transport-map host (Gateway:Delivery:CheckPeerName) and its DN is listed for its domain.
        var receiverCert = HostPath("receiver", conf["smtpd_tls_cert_file"]);
        await OpenSsl("verify", "-CAfile", PkiFile("ca.pem"), "-purpose", "sslserver", "-verify_hostname", host, receiverCert);
        Assert.Contains(await SubjectAsync(receiverCert), ListedSubjects(ReceiverDomain));
        // The gateway presents its certificate, which the receiver's CA file accepts for client authentication.
        var clientCert = delivery["ClientCertificateFile"]!.GetValue<string>();
        Assert.Contains("/secrets/" + clientCert["/etc/mssgw/".Length..], SecretsInit(), StringComparison.Ordinal);
        await OpenSsl("verify", "-CAfile", HostPath("receiver", conf["smtpd_tls_CAfile"]), "-purpose", "sslclient", PkiFile("server-chain.pem"));

        // Mail for the hospital's own domain goes to its mail system: the hospital Postfix, which takes it as local.
        Assert.Contains(HospitalDomain, delivery["LocalDomains"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal("hospital-postfix", delivery["InternalNextHop"]!["Host"]!.GetValue<string>());
        Assert.Equal(25, delivery["InternalNextHop"]!["Port"]!.GetValue<int>());
    }

    [Fact]
    public void Each_hop_waits_for_the_next_one_to_be_healthy()
    {
        Assert.Equal("service_healthy", Str(Services["hospital-postfix"]!["depends_on"]!["gateway"]!["condition"]));
        Assert.Equal("service_healthy", Str(Services["gateway"]!["depends_on"]!["receiver"]!["condition"]));
        Assert.Equal("service_healthy", Str(Services["gateway"]!["depends_on"]!["redis"]!["condition"]));
        foreach (var name in new[] { "hospital-postfix", "receiver" })
        {
            Assert.Contains("postfix", string.Join(' ', Services[name]!["healthcheck"]!["test"]!.AsArray().Select(Str)), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("hospital")]
    [InlineData("receiver")]
    public async Task Postfix_reads_each_configuration_without_a_warning(string name)
    {
        using var dir = new TempDirectory("mssgw-postconf");
        File.Copy(Path.Combine(DockerDir, "postfix", name, "main.cf"), dir.Combine("main.cf"));
        File.Copy(Path.Combine(DockerDir, "postfix", name, "master.cf"), dir.Combine("master.cf"));
        var main = await ExternalProcess.RunAsync("postconf", "-c", dir.Path, "-n");
        Assert.True(main.ExitCode == 0 && !main.StdErr.Contains("warning", StringComparison.OrdinalIgnoreCase), main.StdErr);
        var master = await ExternalProcess.RunAsync("postconf", "-c", dir.Path, "-M");
        Assert.True(master.ExitCode == 0 && !master.StdErr.Contains("warning", StringComparison.OrdinalIgnoreCase), master.StdErr);
    }

    [Fact]
    public void Mail_shows_up_where_the_docs_say()
    {
        var guide = File.ReadAllText(RepositoryPaths.Combine("docs", "deploy.md"));
        Assert.Contains("docker compose -f docker/docker-compose.yml exec receiver", guide, StringComparison.Ordinal);
        Assert.Contains("@" + ReceiverDomain, guide, StringComparison.Ordinal);
        Assert.Contains("--port 2526", guide, StringComparison.Ordinal);
        Assert.Contains(Services["hospital-postfix"]!["ports"]!.AsArray().Select(Str), p => p == "127.0.0.1:2526:25");
    }

    private string PkiFile(string name) => Path.Combine(_pki.Path, name);

    /// <summary>Where a file seen inside a service's container comes from on the host (bind mounts of .dev/pki map to the test's PKI).</summary>
    private string HostPath(string service, string containerPath)
    {
        foreach (var volume in Services[service]!["volumes"]!.AsArray().Select(v => Str(v)!))
        {
            var parts = volume.Split(':');
            if (containerPath.StartsWith(parts[1].TrimEnd('/') + "/", StringComparison.Ordinal))
            {
                var source = Path.GetFullPath(Path.Combine(DockerDir, parts[0]));
                var relative = containerPath[(parts[1].TrimEnd('/').Length + 1)..];
                return source == RepositoryPaths.Combine(".dev", "pki") ? PkiFile(relative) : Path.Combine(source, relative);
            }
        }

        throw new InvalidOperationException($"{service}: {containerPath} is on no bind mount");
    }

    private static Dictionary<string, string> PostfixConfig(string service)
    {
        var mount = Services[service]!["volumes"]!.AsArray().Select(v => Str(v)!).Single(v => v.EndsWith(":/etc/postfix/main.cf:ro", StringComparison.Ordinal));
        var file = Path.GetFullPath(Path.Combine(DockerDir, mount.Split(':')[0]));
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        string? key = null;
        foreach (var line in File.ReadAllLines(file))
        {
            if (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)
            {
                continue;
            }

            if (char.IsWhiteSpace(line[0]) && key is not null)
            {
                result[key] += " " + line.Trim();
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            key = line[..eq].Trim();
            result[key] = line[(eq + 1)..].Trim();
        }

        return result;
    }

    private async Task<string> Postmap(string service, string map, string key, bool expectFound = true)
    {
        // A texthash:/etc/postfix/... map inside the container is a file of the service's bind mounts.
        var (type, path) = (map.Split(':', 2)[0], map.Split(':', 2)[1]);
        var result = await ExternalProcess.RunAsync("postmap", "-q", key, $"{type}:{HostPath(service, path)}");
        Assert.True(expectFound ? result.ExitCode == 0 : result.ExitCode == 1, $"postmap -q {key} {map}: {result.ExitCode} {result.StdOut}{result.StdErr}");
        return result.StdOut;
    }

    private static IReadOnlyList<string> Aliases(string service) =>
        Services[service]!["networks"]?["default"]?["aliases"]?.AsArray().Select(a => Str(a)!).ToList() ?? [];

    private static Dictionary<string, string> MasterOptions(string master, string service)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var inService = false;
        foreach (var line in master.Split('\n'))
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]) && !line.StartsWith('#'))
            {
                inService = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] == service;
            }
            else if (inService && line.Trim().StartsWith("-o ", StringComparison.Ordinal))
            {
                var kv = line.Trim()[3..].Split('=', 2);
                options[kv[0].Trim()] = kv[1].Trim();
            }
        }

        Assert.True(options.Count > 0, $"master.cf has no service {service} with -o options");
        return options;
    }

    private static IEnumerable<XmlDomain> ListeBlanche()
    {
        var doc = System.Xml.Linq.XDocument.Load(Path.Combine(DockerDir, "directory-sync", "listeblanche-dev.xml"));
        System.Xml.Linq.XNamespace ns = "https://listeblanche.mssante.fr/schema";
        return doc.Descendants(ns + "Domaine").Select(d => new XmlDomain(d.Element(ns + "Nom")!.Value.Trim(), Normalise(d.Element(ns + "DNCertificatOperateur")!.Value)));
    }

    private static IEnumerable<string> ListedDomains() => ListeBlanche().Select(d => d.Name);

    private static IEnumerable<string> ListedSubjects(string domain) => ListeBlanche().Where(d => d.Name == domain).Select(d => d.Subject);

    private static async Task<string> SubjectAsync(string certificate) =>
        Normalise((await OpenSsl("x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", certificate)).Trim()["subject=".Length..]);

    private static string Normalise(string dn) => Regex.Replace(dn.Trim(), @"\s*([,=+])\s*", "$1");

    private static string SecretsInit() => string.Join('\n', Services["secrets-init"]!["command"]!.AsArray().Select(Str));

    private static async Task<string> OpenSsl(params string[] args)
    {
        var result = await ExternalProcess.RunAsync("openssl", args);
        Assert.True(result.ExitCode == 0, $"openssl {string.Join(' ', args)}: {result.StdOut}{result.StdErr}");
        return result.StdOut;
    }

    private sealed record XmlDomain(string Name, string Subject);

    [GeneratedRegex(@"^(?<transport>[a-z][-a-z0-9]*):\[(?<host>[^\]]+)\]:(?<port>\d+)$")]
    private static partial Regex NextHop();
}
