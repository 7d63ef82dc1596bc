using System.Diagnostics;
using System.Net.Sockets;
using MssGateway.Testing;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// The compose stack's sample directory (docker/ldap/mssante.schema and seed.ldif) loads into a real
/// slapd, and directory-sync's default filter finds its mailboxes with the attributes it reads.
/// </summary>
public sealed class SampleDirectoryTests : IAsyncLifetime
{
    private const string BaseDn = "dc=hopital-dev,dc=mssante,dc=test";
    private const string AdminDn = "cn=admin," + BaseDn;
    private const string AdminPassword = "test-admin";

    private readonly TempDirectory _dir = new("mssgw-ldap");
    private Process? _slapd;
    private string _url = "";

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        _url = $"ldap://127.0.0.1:{port}";
        Directory.CreateDirectory(_dir.Combine("db"));
        await File.WriteAllTextAsync(_dir.Combine("slapd.conf"), $"""
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            include {RepositoryPaths.Combine("docker", "ldap", "mssante.schema")}
            pidfile {_dir.Combine("slapd.pid")}
            modulepath /usr/lib/ldap
            moduleload back_mdb
            database mdb
            maxsize 10485760
            suffix "{BaseDn}"
            rootdn "{AdminDn}"
            rootpw {AdminPassword}
            directory {_dir.Combine("db")}
            """);

        var psi = new ProcessStartInfo("/usr/sbin/slapd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-f", _dir.Combine("slapd.conf"), "-h", _url + "/", "-d", "0" })
        {
            psi.ArgumentList.Add(a);
        }

        _slapd = Process.Start(psi) ?? throw new InvalidOperationException("slapd did not start");
        _slapd.OutputDataReceived += (_, _) => { };
        _slapd.ErrorDataReceived += (_, _) => { };
        _slapd.BeginOutputReadLine();
        _slapd.BeginErrorReadLine();
        await WaitForPortAsync(port);

        // What the OpenLDAP image does at first start: the base entry from LDAP_DOMAIN, then the seed.
        const string baseEntry = $"dn: {BaseDn}\nobjectClass: dcObject\nobjectClass: organization\no: Hopital Dev\ndc: hopital-dev\n";
        await LdapAsync("ldapadd", baseEntry);
        var seed = (await File.ReadAllTextAsync(RepositoryPaths.Combine("docker", "ldap", "seed.ldif"))).Replace("{{ LDAP_BASE_DN }}", BaseDn, StringComparison.Ordinal);
        await LdapAsync("ldapadd", seed);
    }

    public async Task DisposeAsync()
    {
        if (_slapd is { HasExited: false })
        {
            _slapd.Kill();
            await _slapd.WaitForExitAsync();
        }

        _slapd?.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Directory_sync_default_filter_finds_every_sample_mailbox()
    {
        var output = await SearchAsync("(&(objectClass=mssanteMailbox)(mail=*))", "mail");
        var addresses = output.Split('\n').Where(l => l.StartsWith("mail: ", StringComparison.Ordinal)).Select(l => l[6..].Trim()).Order().ToList();
        Assert.Equal(
            [
                "dev.recipient@hopital-dev.mssante.test", "dev.sender@hopital-dev.mssante.test", "dpi.resultats@hopital-dev.mssante.test",
                "marie.dupont@hopital-dev.mssante.test", "secretariat.cardiologie@hopital-dev.mssante.test",
            ],
            addresses);
    }

    [Fact]
    public async Task Dev_sender_is_bound_to_the_dev_cps_certificate_holder()
    {
        // scripts/dev-pki.sh issues the dev CPS certificate to CN=899700012349.
        Assert.Contains("899700012349", await File.ReadAllTextAsync(RepositoryPaths.Combine("scripts", "dev-pki.sh")), StringComparison.Ordinal);
        var output = await SearchAsync("(hcIdentifier=899700012349)", "mail", "mssanteMailboxType", "hcProfession", "mssanteOperatorDomain");
        Assert.Contains("mail: dev.sender@hopital-dev.mssante.test", output, StringComparison.Ordinal);
        Assert.Contains("mssanteMailboxType: PER", output, StringComparison.Ordinal);
        Assert.Contains("mssanteOperatorDomain: hopital-dev.mssante.test", output, StringComparison.Ordinal);
        // Non-ASCII values round-trip (base64 in the LDIF, UTF-8 in the directory).
        Assert.Contains("hcProfession:: " + Convert.ToBase64String("Médecin"u8.ToArray()), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Organisational_and_applicative_mailboxes_have_their_kind()
    {
        var org = await SearchAsync("(mssanteMailboxType=ORG)", "mail");
        Assert.Contains("mail: secretariat.cardiologie@hopital-dev.mssante.test", org, StringComparison.Ordinal);
        var app = await SearchAsync("(mssanteMailboxType=APP)", "mail");
        Assert.Contains("mail: dpi.resultats@hopital-dev.mssante.test", app, StringComparison.Ordinal);
    }

    private async Task<string> SearchAsync(string filter, params string[] attributes)
    {
        string[] args = ["-x", "-LLL", "-o", "ldif-wrap=no", "-H", _url, "-D", AdminDn, "-w", AdminPassword, "-b", "ou=mailboxes," + BaseDn, filter, .. attributes];
        var result = await ExternalProcess.RunAsync("ldapsearch", args);
        return result.EnsureSuccess("ldapsearch " + filter).StdOut;
    }

    private async Task LdapAsync(string tool, string ldif)
    {
        var result = await ExternalProcess.RunAsync(tool, ["-x", "-H", _url, "-D", AdminDn, "-w", AdminPassword], stdin: ldif);
        result.EnsureSuccess(tool);
    }

    private static async Task WaitForPortAsync(int port)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cts.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cts.Token);
            }
        }
    }
}
