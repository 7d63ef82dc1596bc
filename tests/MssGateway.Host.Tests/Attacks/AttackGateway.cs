using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>
/// The attacker's setting for issue 12: one real gateway process, its own IGC-Santé-shaped dev PKI
/// (scripts/dev-pki.sh) and, issued at run time with openssl from its CAs, the certificates an attacker
/// may legitimately hold — a second professional's CPS card, another operator's server certificate
/// whose DN the liste blanche lists, a valid server certificate the list does not name, an organisation
/// certificate, S/MIME signers (good, revoked now, RSA-1024). No key leaves the temp folder.
/// Listeners: <c>submission</c> (STARTTLS, SenderBinding=Enforce, SmimePolicy=Require), <c>smtps</c>
/// (implicit TLS, SenderBinding=Tag, SmimePolicy=Tag) and <c>relay</c> (STARTTLS, Enforce, Tag).
/// Logs hash addresses with a key file; the attachment limit is 1 MiB.
/// </summary>
public sealed class AttackGateway : IAsyncLifetime
{
    public const string Domain = "hopital-dev.mssante.test";
    public const string Holder = "dev.sender@hopital-dev.mssante.test";
    public const string Colleague = "dev.recipient@hopital-dev.mssante.test";
    public const string ColleagueId = "899700023452";
    public const string Secretariat = "secretariat.cardiologie@hopital-dev.mssante.test";
    public const string OperatorBMailbox = "dr.autre@operateur-b.mssante.test";
    public const string OperatorBDomain = "operateur-b.mssante.test";
    public const string OtherAuthorisedDomainMailbox = "dr.tiers@clinique-c.mssante.test";
    public const string ListedOnUnauthorisedDomain = "dr.liste@domaine-non-autorise.test";
    public const string OperatorBSubject = "CN=gateway.operateur-b.mssante.test,OU=1750000001,O=OPERATEUR B,ST=Rhone (69),C=FR";
    public const string P12Password = "attack";

    /// <summary>Gateway:Policy:MaxAttachmentBytes of this gateway (1 MiB).</summary>
    public const int AttachmentLimit = 1024 * 1024;

    private readonly TempDirectory _dir = new("mssgw-attacks");
    private readonly Dictionary<string, X509Certificate2> _certificates = new(StringComparer.Ordinal);
    private GatewayTestEnvironment? _env;
    private GatewayProcess? _gateway;

    public DevPki Pki { get; private set; } = null!;

    public string CertificateFolder => _dir.Combine("issued");

    public GatewayTestEnvironment Environment => _env ?? throw new InvalidOperationException("not started");

    public GatewayProcess Process => _gateway ?? throw new InvalidOperationException("not started");

    public MessageSpool Spool => new(Environment.SpoolPath);

    /// <summary>The key the gateway hashes addresses with (tests recompute hashes to find them in the log).</summary>
    public byte[] HashKey { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>The dev CPS card of <see cref="Holder"/>.</summary>
    public X509Certificate2 HolderCard => Certificate("holder");

    /// <summary>A second professional's valid CPS card (holder of <see cref="Colleague"/>).</summary>
    public X509Certificate2 ColleagueCard => Certificate("cps-other");

    /// <summary>Operator B's valid server certificate; the liste blanche lists its DN for <see cref="OperatorBDomain"/>.</summary>
    public X509Certificate2 OperatorB => Certificate("operator-b");

    /// <summary>A valid IGC-Santé server certificate whose DN the liste blanche lists for no domain.</summary>
    public X509Certificate2 UnlistedOperator => Certificate("operator-unlisted");

    /// <summary>A valid organisation certificate (structure 1750000000, no host name): the hospital's own structure.</summary>
    public X509Certificate2 Organisation => Certificate("organisation");

    public async Task InitializeAsync()
    {
        Pki = await DevPki.CreateAsync(_dir.Combine("pki"));
        System.IO.Directory.CreateDirectory(CertificateFolder);
        await IssueAsync("cps-other", $"/C=FR/title=Infirmier/CN={ColleagueId}+SN=RECIPIENT+GN=DEV", "ca-fort-personnes", "clientAuth", "digitalSignature");
        await IssueAsync("operator-b", "/C=FR/ST=Rhone (69)/O=OPERATEUR B/OU=1750000001/CN=gateway.operateur-b.mssante.test", "ca-elementaire-organisations",
            "serverAuth,clientAuth", "digitalSignature,keyEncipherment", "subjectAltName=DNS:gateway.operateur-b.mssante.test");
        await IssueAsync("operator-unlisted", "/C=FR/ST=Nord (59)/O=OPERATEUR NON LISTE/OU=1759999999/CN=gateway.non-liste.mssante.test", "ca-elementaire-organisations",
            "serverAuth,clientAuth", "digitalSignature,keyEncipherment", "subjectAltName=DNS:gateway.non-liste.mssante.test");
        await IssueAsync("organisation", "/C=FR/O=HOPITAL DEV/OU=1750000000/CN=HOPITAL DEV SERVICE CARDIOLOGIE", "ca-elementaire-organisations", "clientAuth", "digitalSignature");
        await IssueAsync("signer", "/C=FR/CN=899700012349+SN=SENDER+GN=DEV", "ca-fort-personnes", "emailProtection", "digitalSignature,nonRepudiation", $"subjectAltName=email:{Holder}");
        await IssueAsync("signer-revoked", "/C=FR/CN=899700012349+SN=SENDER+GN=DEV", "ca-fort-personnes", "emailProtection", "digitalSignature,nonRepudiation", $"subjectAltName=email:{Holder}");
        await IssueAsync("signer-1024", "/C=FR/CN=899700012349+SN=SENDER+GN=DEV", "ca-fort-personnes", "emailProtection", "digitalSignature,nonRepudiation", $"subjectAltName=email:{Holder}", "rsa:1024");

        // Revoked now: the CRL the gateway loads at start lists it.
        var env = new Dictionary<string, string> { ["OPENSSL_CONF"] = "/dev/null" };
        (await ExternalProcess.RunAsync("openssl", ["ca", "-config", "db/ca-fort-personnes/ca.cnf", "-revoke", Path.Combine(CertificateFolder, "signer-revoked.pem")], Pki.Directory, environment: env)).EnsureSuccess("openssl ca -revoke");
        (await ExternalProcess.RunAsync("openssl", ["ca", "-config", "db/ca-fort-personnes/ca.cnf", "-gencrl", "-out", "crl/ca-fort-personnes.crl.pem"], Pki.Directory, environment: env)).EnsureSuccess("openssl ca -gencrl");

        _certificates["holder"] = X509CertificateLoader.LoadPkcs12FromFile(Pki.ClientPkcs12, DevPki.ClientPkcs12Password);
        foreach (var name in new[] { "cps-other", "operator-b", "operator-unlisted", "organisation" })
        {
            _certificates[name] = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(CertificateFolder, name + ".p12"), P12Password);
        }

        _env = await GatewayTestEnvironment.CreateAsync();
        await File.WriteAllTextAsync(_env.DirectoryFile, JsonSerializer.Serialize(DirectoryContent(await SubjectOfAsync(Pki.ServerCertificate))));
        var hashKeyFile = _dir.Combine("hash.key");
        await File.WriteAllBytesAsync(hashKeyFile, HashKey);
        var c = _env.Configuration;
        c["Tls"] = new JsonObject { ["CertificateFile"] = Pki.ServerCertificate, ["KeyFile"] = Pki.ServerKey, ["ChainFile"] = Pki.ServerChain };
        c["Trust"]!["AnchorPaths"] = new JsonArray(Pki.CaBundle);
        c["Trust"]!["Revocation"]!["CrlFiles"] = new JsonArray(System.IO.Directory.GetFiles(Path.Combine(Pki.Directory, "crl")).Select(f => (JsonNode)f).ToArray());
        var listeners = c["Listeners"]!.AsArray();
        listeners[0]!["SmimePolicy"] = "Require";
        listeners[0]!["SenderBinding"] = "Enforce";
        listeners[1]!["SmimePolicy"] = "Tag";
        listeners[1]!["SenderBinding"] = "Tag";
        listeners[2]!["SmimePolicy"] = "Tag";
        c["Logging"] = new JsonObject { ["Format"] = "Json", ["HashAddresses"] = true, ["HashKeyFile"] = hashKeyFile };

        // Evasion tests hide ~1.1 MB: the rule, not the figure, is under test (AttachmentSizeTests has the 10 MB figure).
        c["Policy"] = new JsonObject { ["MaxAttachmentBytes"] = AttachmentLimit };
        _gateway = await _env.StartAsync();
    }

    public X509Certificate2 Certificate(string name) => _certificates[name];

    /// <summary>Connects to a listener ("submission", "smtps" or "relay") with a client certificate, TLS up, EHLO said.</summary>
    public async Task<SmtpTestClient> ConnectAsync(string listener, X509Certificate2 certificate)
    {
        var implicitTls = listener == "smtps";
        var port = listener switch
        {
            "submission" => Environment.SubmissionPort,
            "smtps" => Environment.SmtpsPort,
            "relay" => Environment.RelayPort,
            _ => throw new ArgumentOutOfRangeException(nameof(listener), listener, null),
        };
        var client = await SmtpTestClient.ConnectAsync(port, certificate, implicitTls);
        (await client.ReadReplyAsync()).AssertCode(220);
        if (!implicitTls)
        {
            await client.StartTlsAsync(certificate);
        }

        (await client.CommandAsync("EHLO attacker.test")).AssertCode(250);
        return client;
    }

    /// <summary>The message data (CRLF text, dot-stuffed) after DATA; returns the reply to the end of data.</summary>
    public static Task<SmtpTestReply> DataAsync(SmtpTestClient client, byte[] message) => SmtpData.SendAsync(client, message);

    /// <summary>MAIL, RCPT, DATA; MAIL and RCPT must be accepted. Returns the end-of-data reply.</summary>
    public static async Task<SmtpTestReply> SendAsync(SmtpTestClient client, string mailFrom, string recipient, byte[] message)
    {
        (await client.CommandAsync($"MAIL FROM:<{mailFrom}>")).AssertCode(250);
        (await client.CommandAsync($"RCPT TO:<{recipient}>")).AssertCode(250);
        return await DataAsync(client, message);
    }

    /// <summary>The Authentication-Results header the gateway will prepend to an accepted message.</summary>
    public string AuthenticationResultsOf(string queueId) => Spool.Open(SpoolState.Incoming, queueId).Envelope.PrependHeaders;

    /// <summary>Every log line the gateway wrote so far.</summary>
    public string Log => Process.Output;

    /// <summary>What the gateway writes in its logs for an address (the keyed hash of its normal form).</summary>
    public string HashOf(string address) => new MssGateway.Directory.AddressRedactor(HashKey).Render(address);

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        foreach (var c in _certificates.Values)
        {
            c.Dispose();
        }

        _env?.Dispose();
        _dir.Dispose();
    }

    private static object DirectoryContent(string gatewaySubject) => new
    {
        mailboxes = new object[]
        {
            new { address = Holder, kind = "Personal", nationalIdentifier = DevPki.ClientNationalIdentifier, lastName = "SENDER", structureIdentifier = "1750000000" },
            new { address = Colleague, kind = "Personal", nationalIdentifier = ColleagueId, lastName = "RECIPIENT", structureIdentifier = "1750000000" },
            new { address = Secretariat, kind = "Organisational", structureIdentifier = "1750000000" },
            new { address = OperatorBMailbox, kind = "Personal", nationalIdentifier = "899700034566", lastName = "AUTRE" },
            new { address = OtherAuthorisedDomainMailbox, kind = "Personal", nationalIdentifier = "899700045678", lastName = "TIERS" },

            // Listed by the directory, but its domain is on no liste blanche entry (issue 12 rule 2).
            new { address = ListedOnUnauthorisedDomain, kind = "Personal", nationalIdentifier = "899700056789", lastName = "LISTE" },
        },
        authorisedDomains = new object[]
        {
            new { domain = Domain, operatorCertificateSubjects = new[] { gatewaySubject } },
            new { domain = OperatorBDomain, operatorCertificateSubjects = new[] { OperatorBSubject } },
            new { domain = "clinique-c.mssante.test", operatorCertificateSubjects = new[] { "CN=gateway.clinique-c.mssante.test,OU=1750000002,O=CLINIQUE C,ST=Gironde (33),C=FR" } },
        },
    };

    private static async Task<string> SubjectOfAsync(string certificateFile)
    {
        var r = (await ExternalProcess.RunAsync("openssl", "x509", "-in", certificateFile, "-noout", "-subject", "-nameopt", "RFC2253")).EnsureSuccess("openssl x509 -subject");
        var line = r.StdOut.Trim();
        return line.StartsWith("subject=", StringComparison.Ordinal) ? line["subject=".Length..].Trim() : line;
    }

    /// <summary>openssl: a key, a CSR, a certificate from one of the dev CAs (random serial, no shared state), a PKCS#12.</summary>
    private async Task IssueAsync(string name, string subject, string ca, string eku, string keyUsage, string? extra = null, string keySpec = "rsa:2048")
    {
        var script = $"""
            set -e
            export OPENSSL_CONF=/dev/null
            cd {ExternalProcess.Quote(CertificateFolder)}
            pki={ExternalProcess.Quote(Pki.Directory)}
            openssl req -new -newkey {keySpec} -nodes -keyout {name}.key -out {name}.csr -utf8 -multivalue-rdn -subj {ExternalProcess.Quote(subject)} 2>/dev/null
            printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,{keyUsage}\nextendedKeyUsage={eku}\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n{(extra is null ? string.Empty : extra + "\\n")}' > {name}.ext
            openssl x509 -req -in {name}.csr -CA "$pki/{ca}.pem" -CAkey "$pki/{ca}.key" -set_serial 0x$(openssl rand -hex 8) -out {name}.pem -days 365 -sha256 -extfile {name}.ext 2>/dev/null
            openssl pkcs12 -export -in {name}.pem -inkey {name}.key -certfile "$pki/{ca}.pem" -out {name}.p12 -passout pass:{P12Password} 2>/dev/null
            rm -f {name}.csr {name}.ext
            """;
        (await ExternalProcess.RunAsync("/bin/bash", ["-c", script])).EnsureSuccess("issue " + name);
    }
}
