using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Attacks;

/// <summary>
/// One real gateway for the trust attacks of issue 12 (rules 3, 6, 7), on the shared dev PKI plus what
/// an attacker brings, all made at run time with openssl in a temp folder (the dev PKI's CA keys sign;
/// the shared dev PKI folder is not changed):
/// <list type="bullet">
/// <item>organisation certificates of the dev ORGANISATIONS CA whose CN is a real holder's RPPS identifier;</item>
/// <item>CRLs a CA really signed but narrower than its complete CRL, served beside it: the FORT root's
/// "user certificates only" CRL (newer, empty) while its complete CRL revokes the PERSONNES CA; the
/// ORGANISATIONS CA's CRL of another distribution point (newer, empty) while its complete CRL revokes a certificate;</item>
/// <item>a second anchor whose nameConstraints permit only <c>operateur-a.test</c>, and certificates inside and outside.</item>
/// </list>
/// The directory holds the holder <c>marie.dupont@hopital-dev.mssante.test</c> (RPPS 810100000008), of
/// another structure than the certificates' OU (an organisation certificate may send for its own structure's mailboxes).
/// </summary>
public sealed class TrustAttackGateway : IAsyncLifetime
{
    public const string HolderMailbox = "marie.dupont@hopital-dev.mssante.test";

    public const string HolderNationalIdentifier = "810100000008";

    /// <summary>A mailbox of the structure 1750000000 (the organisation certificates' OU).</summary>
    public const string StructureMailbox = "secretariat.cardiologie@hopital-dev.mssante.test";

    public const string Recipient = "dev.recipient@hopital-dev.mssante.test";

    private readonly TempDirectory _dir = new("mssgw-trust-attacks");
    private readonly Dictionary<string, X509Certificate2> _certificates = new(StringComparer.Ordinal);
    private GatewayTestEnvironment? _env;
    private GatewayProcess? _gateway;

    public GatewayTestEnvironment Environment => _env ?? throw new InvalidOperationException("not started");

    public GatewayProcess Process => _gateway ?? throw new InvalidOperationException("not started");

    /// <summary>The dev CPS card (its PERSONNES CA is revoked by this gateway's FORT root CRL).</summary>
    public X509Certificate2 DevCard => Certificate("dev-card");

    public X509Certificate2 Certificate(string name) => _certificates[name];

    public async Task InitializeAsync()
    {
        _env = await GatewayTestEnvironment.CreateAsync();
        var pki = _env.Pki.Directory;
        var script = $$"""
            set -euo pipefail
            export OPENSSL_CONF=/dev/null
            PKI={{ExternalProcess.Quote(pki)}}
            mkdir -p db crl
            : > db/empty.txt
            config() { # name ca-file key-file index
              printf '[ ca ]\ndefault_ca = this\n[ this ]\ndatabase = %s\ncrlnumber = db/%s.crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\ncertificate = %s\nprivate_key = %s\n' "$4" "$1" "$2" "$3" > "db/$1.cnf"
              [ -f "db/$1.crlnumber" ] || echo 2000 > "db/$1.crlnumber"
              cat >> "db/$1.cnf" <<CNF
            [ users_only ]
            issuingDistributionPoint = critical, @users_only_idp
            [ users_only_idp ]
            onlyuser = TRUE
            [ other_point ]
            issuingDistributionPoint = critical, @other_point_idp
            [ other_point_idp ]
            fullname = URI:http://127.0.0.1:9/ca-elementaire-organisations-part-2.crl
            CNF
            }
            gencrl() { # config out [args]
              local c=$1 out=$2; shift 2
              openssl ca -config "db/$c.cnf" -gencrl -out "crl/$out.pem" "$@" 2>/dev/null
            }
            leaf() { # name ca "subject" extra-ext
              openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -utf8 -subj "$3" 2>/dev/null
              printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n%b\n' "${4:-}" > "$1.ext"
              openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -set_serial "0x$(openssl rand -hex 12)" -out "$1.pem" -days 30 -sha256 -extfile "$1.ext" 2>/dev/null
              openssl pkcs12 -export -in "$1.pem" -inkey "$1.key" -out "$1.p12" -passout pass:test 2>/dev/null
              rm -f "$1.csr" "$1.ext"
            }
            ln -sf "$PKI/ca-elementaire-organisations.pem" org-ca.pem; ln -sf "$PKI/ca-elementaire-organisations.key" org-ca.key

            # Rule 3: organisation certificates named like a card.
            leaf org-rpps org-ca "/C=FR/O=CLINIQUE DEV/OU=1750000000/CN=810100000008"
            leaf org-card org-ca "/C=FR/title=Médecin/SN=DUPONT+CN=810100000008+GN=MARIE"

            # Rule 6: complete CRLs an hour old that revoke, and newer narrower CRLs that do not.
            : > db/root-fort.txt
            config root-fort "$PKI/root-fort.pem" "$PKI/root-fort.key" db/root-fort.txt
            openssl ca -config db/root-fort.cnf -revoke "$PKI/ca-fort-personnes.pem" -crl_reason cACompromise 2>/dev/null
            gencrl root-fort root-fort-complete -crl_lastupdate "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)"
            config root-fort-narrow "$PKI/root-fort.pem" "$PKI/root-fort.key" db/empty.txt
            gencrl root-fort-narrow root-fort-users-only -crlexts users_only
            leaf org-ok org-ca "/C=FR/O=CLINIQUE DEV/OU=1750000000/CN=CLINIQUE DEV AUTH_CLI"
            leaf org-revoked org-ca "/C=FR/O=CLINIQUE DEV/OU=1750000000/CN=CLINIQUE DEV REVOQUEE"
            : > db/org.txt
            config org "$PKI/ca-elementaire-organisations.pem" "$PKI/ca-elementaire-organisations.key" db/org.txt
            openssl ca -config db/org.cnf -revoke org-revoked.pem -crl_reason keyCompromise 2>/dev/null
            gencrl org org-complete -crl_lastupdate "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)"
            config org-narrow "$PKI/ca-elementaire-organisations.pem" "$PKI/ca-elementaire-organisations.key" db/empty.txt
            gencrl org-narrow org-other-point -crlexts other_point

            # Rule 7: an anchor constrained to operateur-a.test, and its CRL.
            openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout nc-root.key -out nc-root.pem -days 30 -sha256 \
              -subj "/C=FR/O=OPERATEUR A/CN=RACINE OPERATEUR A" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
              -addext "nameConstraints=critical,permitted;DNS:operateur-a.test" 2>/dev/null
            config nc-root nc-root.pem nc-root.key db/empty.txt
            gencrl nc-root nc-root
            leaf nc-inside nc-root "/C=FR/O=OPERATEUR A/OU=1750000009/CN=mx.operateur-a.test" "subjectAltName=DNS:mx.operateur-a.test"
            leaf nc-outside nc-root "/C=FR/O=OPERATEUR A/OU=1750000009/CN=mx.operateur-b.test"
            """;
        (await ExternalProcess.BashAsync(script, _dir.Path, TimeSpan.FromMinutes(5))).EnsureSuccess("trust attack PKI");
        foreach (var name in new[] { "org-rpps", "org-card", "org-ok", "org-revoked", "nc-inside", "nc-outside" })
        {
            _certificates[name] = X509CertificateLoader.LoadPkcs12FromFile(_dir.Combine(name + ".p12"), "test");
        }

        _certificates["dev-card"] = X509CertificateLoader.LoadPkcs12FromFile(_env.Pki.ClientPkcs12, DevPki.ClientPkcs12Password);

        var trust = (JsonObject)_env.Configuration["Trust"]!;
        trust["AnchorPaths"] = new JsonArray(_env.Pki.CaBundle, _dir.Combine("nc-root.pem"));
        var crls = new JsonArray();
        foreach (var f in new[] { "root-fort-complete", "root-fort-users-only", "org-complete", "org-other-point", "nc-root" })
        {
            crls.Add(_dir.Combine("crl", f + ".pem"));
        }

        crls.Add(Path.Combine(pki, "crl", "root-elementaire.crl.pem"));
        crls.Add(Path.Combine(pki, "crl", "ca-fort-personnes.crl.pem"));
        ((JsonObject)trust["Revocation"]!)["CrlFiles"] = crls;

        var directory = JsonNode.Parse(await File.ReadAllTextAsync(_env.DirectoryFile))!;
        ((JsonArray)directory["mailboxes"]!).Add(new JsonObject
        {
            ["address"] = HolderMailbox,
            ["kind"] = "Personal",
            ["nationalIdentifier"] = HolderNationalIdentifier,
            ["lastName"] = "DUPONT",
            ["firstName"] = "MARIE",
            ["structureIdentifier"] = "1690000099", // her own practice, not the clinic of the certificates
        });
        await File.WriteAllTextAsync(_env.DirectoryFile, directory.ToJsonString());
        _gateway = await _env.StartAsync();
    }

    /// <summary>Connects to the submission listener, STARTTLS with <paramref name="certificate"/>, and returns the client (EHLO not sent).</summary>
    public async Task<SmtpTestClient> ConnectAsync(X509Certificate2 certificate)
    {
        var client = await SmtpTestClient.ConnectAsync(Environment.SubmissionPort, certificate);
        (await client.ReadReplyAsync()).AssertCode(220);
        await client.StartTlsAsync(certificate);
        return client;
    }

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
}

/// <summary>The test classes that share the one <see cref="TrustAttackGateway"/>.</summary>
[CollectionDefinition(Name)]
public sealed class TrustAttackCollection : ICollectionFixture<TrustAttackGateway>
{
    public const string Name = "trust attacks";
}
