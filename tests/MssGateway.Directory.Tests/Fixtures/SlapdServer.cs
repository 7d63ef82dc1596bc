using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using MssGateway.Testing;

namespace MssGateway.Directory.Tests.Fixtures;

/// <summary>
/// A real OpenLDAP slapd run as the current user from a temp folder: slapd.conf (-f) with the mdb
/// backend, core/cosine schemas from the system and our own mssante-test.schema, data loaded
/// offline with slapadd, then served on ldap://127.0.0.1:PORT.
/// </summary>
public sealed class SlapdServer : IAsyncDisposable
{
    public const string RootDn = "cn=admin," + DirectoryDataGenerator.Suffix;
    public const string RootPassword = "test-root-password";

    private readonly TempDirectory _dir;
    private Process? _process;

    private SlapdServer(TempDirectory dir, int port, int? ldapsPort)
    {
        _dir = dir;
        Port = port;
        LdapsPort = ldapsPort;
    }

    public int Port { get; }

    /// <summary>Port of the ldaps:// listener when started with a TLS certificate.</summary>
    public int? LdapsPort { get; }

    public string Url => $"ldap://127.0.0.1:{Port}";

    public string Folder => _dir.Path;

    /// <summary>Creates the config, loads the LDIF written by <paramref name="writeLdif"/> with slapadd, and starts slapd.</summary>
    /// <param name="tls">PEM certificate and key files: slapd then offers StartTLS and also listens on ldaps://.</param>
    public static async Task<SlapdServer> StartAsync(Action<TextWriter> writeLdif, long maxSizeBytes = 1L << 30, string? schemaPath = null, (string Certificate, string Key)? tls = null)
    {
        ArgumentNullException.ThrowIfNull(writeLdif);
        var dir = new TempDirectory("mssgw-slapd");
        var server = new SlapdServer(dir, FreePort.Next(), tls is null ? null : FreePort.Next());
        var tlsConfig = tls is { } t ? $"TLSCertificateFile {t.Certificate}\nTLSCertificateKeyFile {t.Key}\n" : string.Empty;
        System.IO.Directory.CreateDirectory(dir.Combine("db"));
        var schema = schemaPath ?? Path.Combine(AppContext.BaseDirectory, "Fixtures", "mssante-test.schema");
        await File.WriteAllTextAsync(dir.Combine("slapd.conf"), $"""
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include {schema}
            pidfile {dir.Combine("slapd.pid")}
            argsfile {dir.Combine("slapd.args")}
            {tlsConfig}
            modulepath /usr/lib/ldap
            moduleload back_mdb
            sizelimit unlimited
            database mdb
            maxsize {maxSizeBytes.ToString(CultureInfo.InvariantCulture)}
            suffix "{DirectoryDataGenerator.Suffix}"
            rootdn "{RootDn}"
            rootpw {RootPassword}
            directory {dir.Combine("db")}
            index objectClass eq
            index mail eq
            index modifyTimestamp eq
            limits * size=unlimited size.pr=unlimited
            access to * by * read

            """);
        var ldif = dir.Combine("data.ldif");
        await using (var w = new StreamWriter(ldif))
        {
            writeLdif(w);
        }

        (await ExternalProcess.RunAsync("/usr/sbin/slapadd", ["-q", "-f", dir.Combine("slapd.conf"), "-l", ldif], timeout: TimeSpan.FromMinutes(30))).EnsureSuccess("slapadd");
        File.Delete(ldif);
        await server.StartProcessAsync();
        return server;
    }

    public async Task LdapModifyAsync(string ldif)
    {
        (await ExternalProcess.RunAsync("ldapmodify", ["-x", "-H", Url, "-D", RootDn, "-w", RootPassword], stdin: ldif)).EnsureSuccess("ldapmodify");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } p)
        {
            try
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            p.Dispose();
        }

        _dir.Dispose();
    }

    private async Task StartProcessAsync()
    {
        var psi = new ProcessStartInfo("/usr/sbin/slapd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        var urls = LdapsPort is { } tlsPort ? $"{Url} ldaps://127.0.0.1:{tlsPort}" : Url;
        foreach (var a in new[] { "-d", "0", "-h", urls, "-f", _dir.Combine("slapd.conf") })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException("slapd did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 200; i++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"slapd exited with {_process.ExitCode}");
            }

            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("slapd did not listen");
    }
}
