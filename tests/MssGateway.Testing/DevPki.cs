namespace MssGateway.Testing;

/// <summary>
/// A dev PKI made by scripts/dev-pki.sh (openssl CLI) once per test run, in a temp folder:
/// IGC-Santé-like roots and intermediates, a server certificate, a CPS client certificate, CRLs.
/// </summary>
public sealed class DevPki
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static DevPki? _shared;

    private DevPki(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string CaBundle => Path.Combine(Directory, "ca.pem");

    public string ServerCertificate => Path.Combine(Directory, "server.pem");

    public string ServerKey => Path.Combine(Directory, "server.key");

    public string ServerChain => Path.Combine(Directory, "ca-elementaire-organisations.pem");

    public string ClientCertificate => Path.Combine(Directory, "client-cps.pem");

    public string ClientKey => Path.Combine(Directory, "client-cps.key");

    public string ClientPkcs12 => Path.Combine(Directory, "client-cps.p12");

    public const string ClientPkcs12Password = "dev";

    /// <summary>The national identifier in the dev CPS certificate's CN.</summary>
    public const string ClientNationalIdentifier = "899700012349";

    public static async Task<DevPki> SharedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_shared is null)
            {
                var dir = Path.Combine(Path.GetTempPath(), $"mssgw-pki-{Environment.ProcessId}-{Guid.NewGuid():N}");
                await CreateAsync(dir);
                _shared = new DevPki(dir);
            }

            return _shared;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Makes a new PKI in <paramref name="directory"/> (server CN and DNS names optional).</summary>
    public static async Task<DevPki> CreateAsync(string directory, string? serverCn = null, params string[] serverDns)
    {
        var args = new List<string> { RepositoryPaths.Combine("scripts", "dev-pki.sh"), directory };
        if (serverCn is not null)
        {
            args.Add(serverCn);
            args.AddRange(serverDns);
        }

        // About twenty openssl runs: on shared cores under a full ./test.sh (load 30 seen) two minutes were not enough.
        (await ExternalProcess.RunAsync("/bin/bash", args, timeout: TimeSpan.FromMinutes(10))).EnsureSuccess("dev-pki.sh");
        return new DevPki(directory);
    }
}
