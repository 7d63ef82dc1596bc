using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.EndToEnd;

/// <summary>
/// Hospital A's mail network, every part real: its Postfix (the sending MTA, configured from
/// docs/hospital-guide.md's blocks; also the hospital's own mail system the gateway delivers to), the
/// gateway (the real mssgw process) on A's MSSanté domain, operator B's receiving Postfix (STARTTLS
/// with B's IGC-Santé server certificate, the liste blanche listing its DN for b.mssante.test) and the
/// hospital's internet relay (another Postfix, for mail that is not MSSanté's). Started once for the
/// hospital tests.
/// </summary>
public sealed class HospitalNetwork : IAsyncLifetime
{
    public const string Domain = EndToEndMail.DomainA; // a.mssante.test: hospital A's MSSanté domain
    public const string Sender = EndToEndMail.Sender;  // sender@a.mssante.test, a mailbox of A's structure
    public const string Postmaster = "postmaster@" + Domain;
    public const string Receiver = EndToEndMail.Recipient; // recipient@b.mssante.test, at operator B
    public const string InternetMailbox = "someone@example.org";

    /// <summary>The liste blanche the hospital makes its transport map from: B, a third operator, an IDN domain, A itself, messy spellings.</summary>
    public static readonly string[] ListedDomains = ["B.MSSANTE.TEST ", "b.mssante.test", "c.mssante.test.", "hôpital-sud.mssante.test", Domain];

    private readonly TempDirectory _dir = new("mssgw-hospital");
    private GatewayTestEnvironment? _environment;

    public HospitalPki Pki { get; } = new();

    public MaildirPostfix HospitalPostfix { get; private set; } = null!;

    public MaildirPostfix OperatorB { get; private set; } = null!;

    public MaildirPostfix InternetRelay { get; private set; } = null!;

    public GatewayProcess Gateway { get; private set; } = null!;

    public GatewayTestEnvironment GatewayEnvironment => _environment ?? throw new InvalidOperationException("not started");

    public string ListeBlancheFile => _dir.Combine("listeblanchemssante.xml");

    /// <summary>The recipe's values in this test: the gateway is "localhost" (a name its certificate holds) on its submission port.</summary>
    public HospitalRecipe.Values RecipeValues(string mapDirectory, int? gatewayPort = null) =>
        new("localhost", gatewayPort ?? GatewayEnvironment.SubmissionPort, mapDirectory, Domain, "mail." + Domain, ListeBlancheFile);

    public async Task InitializeAsync()
    {
        await Pki.InitializeAsync();
        await File.WriteAllTextAsync(ListeBlancheFile, ListeBlanche(ListedDomains));
        OperatorB = await MaildirPostfix.StartAsync(EndToEndMail.DomainB, (Path.Combine(Pki.B.Directory, "server-chain.pem"), Pki.B.ServerKey), Receiver);
        InternetRelay = await MaildirPostfix.StartAsync("example.org", InternetMailbox);
        _environment = await GatewayTestEnvironment.CreateAsync();
        HospitalPostfix = await MaildirPostfix.StartAsync(Domain, (Path.Combine(Pki.A.Directory, "server-chain.pem"), Pki.A.ServerKey), [Sender, Postmaster], dir => SendingSideAsync(dir, GatewayEnvironment.SubmissionPort));
        ConfigureGateway(GatewayEnvironment);
        Gateway = await GatewayEnvironment.StartAsync();
    }

    /// <summary>
    /// The sending side of the recipe: the IGC-Santé CAs and the organisation certificate where the guide
    /// puts them, the transport map made by the guide's own script from the liste blanche, the generic
    /// map, and the guide's main.cf and master.cf blocks. Besides the recipe, only what any hospital
    /// Postfix already has: its internet relay (relayhost), and host lookups through /etc/hosts (the
    /// test's gateway is "localhost").
    /// </summary>
    public async Task<(string MainCf, string MasterCf)> SendingSideAsync(string postfixDirectory, int gatewayPort)
    {
        var maps = Path.Combine(postfixDirectory, "mssante");
        System.IO.Directory.CreateDirectory(maps);
        File.Copy(Pki.A.CaBundle, Path.Combine(maps, "igc-sante.pem"));
        File.Copy(Pki.OrganisationChain, Path.Combine(maps, "hopital-auth-cli.pem"));
        File.Copy(Pki.OrganisationKey, Path.Combine(maps, "hopital-auth-cli.key"));
        var values = RecipeValues(maps, gatewayPort);
        (await ExternalProcess.BashAsync("set -euo pipefail\n" + HospitalRecipe.Block("transport-from-liste-blanche", values))).EnsureSuccess("the guide's transport-map script");
        await File.WriteAllTextAsync(Path.Combine(maps, "generic"), HospitalRecipe.Block("postfix-generic", values));
        (await ExternalProcess.RunAsync("postmap", Path.Combine(maps, "generic"))).EnsureSuccess("postmap generic");
        var plumbing = string.Create(CultureInfo.InvariantCulture, $"""

            # the hospital's existing internet route (not part of the MSSanté recipe)
            relayhost = [127.0.0.1]:{InternetRelay.Port}
            smtp_host_lookup = native

            """);
        return (plumbing + HospitalRecipe.Block("postfix-main.cf", values), HospitalRecipe.Block("postfix-master.cf", values));
    }

    private void ConfigureGateway(GatewayTestEnvironment env)
    {
        env.Configuration["ServerName"] = "gateway.a.mssante.test";
        OperatorPki.Apply(env.Configuration, Pki.A, Pki.A, Path.Combine(env.WorkDirectory, "crl-cache"));
        env.Configuration["Delivery"] = new JsonObject
        {
            ["Enabled"] = true,
            ["LocalDomains"] = new JsonArray(Domain),
            ["InternalNextHop"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = HospitalPostfix.Port, ["Protocol"] = "Smtp", ["Tls"] = "StartTls", ["CaFile"] = Pki.A.CaBundle },
            ["TransportMap"] = new JsonObject { [EndToEndMail.DomainB] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{OperatorB.Port}") },
        };
        var directory = new JsonObject
        {
            ["mailboxes"] = new JsonArray(
                new JsonObject
                {
                    ["address"] = Sender, ["kind"] = "Personal", ["nationalIdentifier"] = DevPki.ClientNationalIdentifier, ["lastName"] = "SENDER", ["firstName"] = "DEV",
                    ["profession"] = "Médecin", ["structureIdentifier"] = HospitalPki.StructureIdentifier, ["operatorDomain"] = Domain,
                },
                new JsonObject { ["address"] = Postmaster, ["kind"] = "Organisational", ["structureIdentifier"] = HospitalPki.StructureIdentifier, ["operatorDomain"] = Domain },
                new JsonObject
                {
                    ["address"] = Receiver, ["kind"] = "Personal", ["nationalIdentifier"] = "899700023452", ["lastName"] = "RECIPIENT", ["firstName"] = "DEV",
                    ["profession"] = "Infirmier", ["operatorDomain"] = EndToEndMail.DomainB,
                }),
            ["authorisedDomains"] = new JsonArray(
                new JsonObject { ["domain"] = Domain, ["operatorCertificateSubjects"] = new JsonArray(Pki.Operators.SubjectA) },
                new JsonObject { ["domain"] = EndToEndMail.DomainB, ["operatorCertificateSubjects"] = new JsonArray(Pki.Operators.SubjectB) }),
        };
        File.WriteAllText(env.DirectoryFile, directory.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static string ListeBlanche(IEnumerable<string> domains) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListeBlancheMSSante xmlns=\"https://listeblanche.mssante.fr/schema\">\n  <DateDeGeneration>2026-11-01T00:00:00+01:00</DateDeGeneration>\n  <ListeDomaines>\n"
        + string.Concat(domains.Select(d => $"    <Domaine><Nom>{d}</Nom><Description>test</Description><DNCertificatOperateur>CN=gateway.x,OU=1,O=X,C=FR</DNCertificatOperateur><ResponsableContact>a@x</ResponsableContact><SupportContact>b@x</SupportContact><DateMAJ>2026-11-01T00:00:00+01:00</DateMAJ></Domaine>\n"))
        + "  </ListeDomaines>\n</ListeBlancheMSSante>\n";

    /// <summary>Everything the parts logged, for a failing assertion's message.</summary>
    public string Diagnostics() =>
        $"--- gateway ---\n{Gateway?.Output}\n--- hospital postfix ---\n{HospitalPostfix?.MailLog}\n--- operator B postfix ---\n{OperatorB?.MailLog}\n--- internet relay ---\n{InternetRelay?.MailLog}";

    public async Task DisposeAsync()
    {
        foreach (var part in new IAsyncDisposable?[] { Gateway, HospitalPostfix, InternetRelay, OperatorB })
        {
            if (part is not null)
            {
                await part.DisposeAsync();
            }
        }

        _environment?.Dispose();
        await Pki.DisposeAsync();
        _dir.Dispose();
    }
}
