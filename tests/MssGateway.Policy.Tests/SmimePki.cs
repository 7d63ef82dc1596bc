using System.Security.Cryptography.X509Certificates;
using MssGateway.Testing;

namespace MssGateway.Policy.Tests;

/// <summary>
/// A test PKI made with the openssl CLI at run time (no key is committed): a root and an intermediate
/// shaped like IGC-Santé, S/MIME signer certificates (good, revoked, expired, another professional, one
/// without e-mail, an RSA-1024 one, one valid for one more hour), a rogue root with a signer that is not trusted, and the intermediate's CRL listing
/// the revoked signer. Also signs messages with <c>openssl cms -sign</c>, detached and opaque.
/// </summary>
public sealed class SmimePki : IAsyncLifetime
{
    public const string SenderAddress = "dev.sender@hopital.mssante.test";
    public const string SenderNationalId = "899700012349";
    public const string OtherAddress = "other.doctor@clinique.mssante.test";
    public const string OtherNationalId = "899700044444";
    public const string EcAddress = "ec.doctor@hopital.mssante.test";

    private readonly TempDirectory _dir = new("mssgw-policy-pki");

    public string Folder => _dir.Path;

    public X509Certificate2 Root { get; private set; } = null!;

    public X509Certificate2 Intermediate { get; private set; } = null!;

    public string CrlPath => _dir.Combine("inter.crl.pem");

    /// <summary>End of validity of the "recent" signer (about an hour after the fixture started).</summary>
    public DateTimeOffset RecentNotAfter { get; private set; }

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_dir.Combine("ca.cnf"), """
            [ ca ]
            default_ca = inter
            [ inter ]
            database = index.txt
            new_certs_dir = newcerts
            certificate = inter.pem
            private_key = inter.key
            serial = serial
            crlnumber = crlnumber
            default_md = sha256
            default_days = 365
            default_crl_days = 30
            policy = any
            preserve = yes
            unique_subject = no
            copy_extensions = none
            [ any ]
            commonName = optional
            """);
        System.IO.Directory.CreateDirectory(_dir.Combine("newcerts"));
        await File.WriteAllTextAsync(_dir.Combine("index.txt"), string.Empty);
        await File.WriteAllTextAsync(_dir.Combine("serial"), "1000\n");
        await File.WriteAllTextAsync(_dir.Combine("crlnumber"), "1000\n");

        await Bash("""
            set -e
            export OPENSSL_CONF=/dev/null
            openssl req -x509 -new -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 -sha256 \
              -subj "/C=FR/O=ASIP-SANTE TEST/OU=IGC-SANTE TEST/CN=TEST AC RACINE IGC-SANTE FORT" \
              -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -addext "subjectKeyIdentifier=hash" 2>/dev/null
            openssl req -new -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr \
              -subj "/C=FR/O=ASIP-SANTE TEST/OU=IGC-SANTE TEST/CN=TEST AC IGC-SANTE FORT PERSONNES" 2>/dev/null
            printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > inter.ext
            openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -out inter.pem -days 3000 -sha256 -extfile inter.ext 2>/dev/null
            openssl req -x509 -new -newkey rsa:2048 -nodes -keyout rogue-root.key -out rogue-root.pem -days 3650 -sha256 \
              -subj "/C=FR/O=ROGUE/CN=ROGUE ROOT" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
            """);

        await IssueAsync("good", $"/C=FR/title=Medecin/CN={SenderNationalId}+SN=SENDER+GN=DEV", SenderAddress);
        await IssueAsync("revoked", "/C=FR/CN=899700022222+SN=REVOKED+GN=DOC", "revoked.doctor@hopital.mssante.test");
        await IssueAsync("expired", "/C=FR/CN=899700033333+SN=EXPIRED+GN=DOC", "expired.doctor@hopital.mssante.test", "-startdate 20200101000000Z -enddate 20210101000000Z");
        await IssueAsync("other", $"/C=FR/CN={OtherNationalId}+SN=OTHER+GN=DOC", OtherAddress);
        await IssueAsync("noemail", $"/C=FR/CN={SenderNationalId}+SN=SENDER+GN=DEV", null);
        await IssueAsync("ec", "/C=FR/CN=899700055555+SN=ECDSA+GN=DOC", EcAddress, keySpec: "ec -pkeyopt ec_paramgen_curve:prime256v1");
        await IssueAsync("weak1024", $"/C=FR/CN={SenderNationalId}+SN=SENDER+GN=DEV", SenderAddress, keySpec: "rsa:1024");
        // Valid for the next hour only: tests move a fake clock past its end (the CAs were made just now).
        RecentNotAfter = DateTimeOffset.UtcNow.AddHours(1);
        await IssueAsync("recent", $"/C=FR/CN={SenderNationalId}+SN=SENDER+GN=DEV", SenderAddress, $"-enddate {RecentNotAfter:yyyyMMddHHmmss}Z");
        await Bash($"""
            set -e
            export OPENSSL_CONF=/dev/null
            openssl req -new -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.csr -subj "/C=FR/CN={SenderNationalId}+SN=SENDER+GN=DEV" -multivalue-rdn 2>/dev/null
            printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectAltName=email:{SenderAddress}\n' > rogue.ext
            openssl x509 -req -in rogue.csr -CA rogue-root.pem -CAkey rogue-root.key -CAcreateserial -out rogue.pem -days 365 -sha256 -extfile rogue.ext 2>/dev/null
            openssl ca -batch -config ca.cnf -revoke revoked.pem 2>/dev/null
            openssl ca -batch -config ca.cnf -gencrl -out inter.crl.pem 2>/dev/null
            """);

        Root = X509CertificateLoader.LoadCertificateFromFile(_dir.Combine("root.pem"));
        Intermediate = X509CertificateLoader.LoadCertificateFromFile(_dir.Combine("inter.pem"));
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The certificate with its private key, for MimeKit signing.</summary>
    public X509Certificate2 LoadWithKey(string name) =>
        X509Certificate2.CreateFromPemFile(_dir.Combine(name + ".pem"), _dir.Combine(name + ".key"));

    public X509Certificate2 Load(string name) => X509CertificateLoader.LoadCertificateFromFile(_dir.Combine(name + ".pem"));

    /// <summary>A message signed detached by <paramref name="signer"/> with a chosen signingTime (BouncyCastle: openssl cannot backdate).</summary>
    public byte[] SignWithSigningTime(string signer, string entity, string from, DateTimeOffset signingTime, string? digestOid = null) =>
        CmsMessageSigner.SignDetached(
            entity, _dir.Combine(signer + ".pem"), _dir.Combine(signer + ".key"), [_dir.Combine("inter.pem")], signingTime,
            $"From: {from}\r\nTo: dev.recipient@hopital.mssante.test\r\nSubject: Compte rendu\r\n", digestOid);

    /// <summary>
    /// Signs <paramref name="entity"/> (a MIME entity: headers, blank line, body) with <c>openssl cms -sign</c>
    /// and returns the whole message, CRLF line endings, with From/To/Subject headers.
    /// </summary>
    public async Task<byte[]> OpensslSignAsync(string signer, string entity, string from, bool opaque, params string[] extraArgs)
    {
        var id = Guid.NewGuid().ToString("N");
        var input = _dir.Combine(id + ".in");
        var output = _dir.Combine(id + ".eml");
        await File.WriteAllTextAsync(input, entity.ReplaceLineEndings("\r\n"));
        var args = new List<string>
        {
            "cms", "-sign", "-in", input, "-out", output, "-signer", _dir.Combine(signer + ".pem"), "-inkey", _dir.Combine(signer + ".key"),
            "-from", from, "-to", "dev.recipient@hopital.mssante.test", "-subject", "Compte rendu",
        };
        if (!extraArgs.Contains("-md"))
        {
            args.AddRange(["-md", "sha256"]);
        }

        if (signer != "rogue")
        {
            args.AddRange(["-certfile", _dir.Combine("inter.pem")]);
        }

        if (opaque)
        {
            args.Add("-nodetach");
        }

        args.AddRange(extraArgs);

        (await ExternalProcess.RunAsync("openssl", args, _dir.Path, environment: new Dictionary<string, string> { ["OPENSSL_CONF"] = "/dev/null" }))
            .EnsureSuccess("openssl cms -sign");
        var text = await File.ReadAllTextAsync(output);
        File.Delete(input);
        File.Delete(output);
        return System.Text.Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));
    }

    private async Task IssueAsync(string name, string subject, string? email, string validity = "-days 365", string keySpec = "rsa:2048")
    {
        var san = email is null ? string.Empty : $"subjectAltName=email:{email}\\n";
        await Bash($"""
            set -e
            export OPENSSL_CONF=/dev/null
            openssl req -new -newkey {keySpec} -nodes -keyout {name}.key -out {name}.csr -subj "{subject}" -multivalue-rdn 2>/dev/null
            printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n{san}subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > {name}.ext
            openssl ca -batch -config ca.cnf -in {name}.csr -out {name}.pem -notext -extfile {name}.ext {validity} 2>&1
            """);
    }

    private async Task Bash(string script) =>
        (await ExternalProcess.RunAsync("/bin/bash", ["-c", script], _dir.Path)).EnsureSuccess("openssl PKI script");
}
