using Microsoft.Extensions.Logging.Abstractions;
using MssGateway.Directory.Redis;
using MssGateway.DirectorySync;
using MssGateway.DirectorySync.Options;
using MssGateway.Testing;
using StackExchange.Redis;

namespace MssGateway.Directory.Tests.Fixtures;

/// <summary>Builds options, runs syncs in-process or as the real executable, and opens readers.</summary>
public static class SyncHarness
{
    public static DirectorySyncOptions LdapOptions(string redis, string prefix, SlapdServer slapd, string ou, string? passwordFile)
    {
        ArgumentNullException.ThrowIfNull(slapd);
        var o = Base(redis, prefix);
        o.Source = DirectorySource.Ldap;
        o.Ldap.Host = "127.0.0.1";
        o.Ldap.Port = slapd.Port;
        o.Ldap.Security = LdapSecurity.None;
        o.Ldap.BaseDn = $"ou={ou},{DirectoryDataGenerator.Suffix}";
        o.Ldap.PageSize = 250;
        if (passwordFile is not null)
        {
            o.Ldap.BindDn = SlapdServer.RootDn;
            o.Ldap.BindPasswordFile = passwordFile;
        }

        return o;
    }

    public static DirectorySyncOptions FlatFileOptions(string redis, string prefix, string path)
    {
        var o = Base(redis, prefix);
        o.Source = DirectorySource.FlatFile;
        o.FlatFile.Path = path;
        return o;
    }

    public static DirectorySyncOptions Base(string redis, string prefix) => new()
    {
        Buckets = 64,
        BatchSize = 200,
        RetireDelay = TimeSpan.Zero,
        LockTimeout = TimeSpan.FromSeconds(60),
        Redis = new RedisDirectoryOptions { Configuration = redis, KeyPrefix = prefix },
    };

    public static async Task<SyncRunResult> RunAsync(IConnectionMultiplexer redis, DirectorySyncOptions options, SyncMode? mode = null)
    {
        using var metrics = new DirectorySyncMetrics();
        return await RunAsync(redis, options, metrics, mode);
    }

    public static async Task<SyncRunResult> RunAsync(IConnectionMultiplexer redis, DirectorySyncOptions options, DirectorySyncMetrics metrics, SyncMode? mode = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        // As the program does before a run (DirectorySyncProgram.Load): every bad value is a configuration failure.
        if (new DirectorySyncOptionsValidator().Validate(null, options) is { Failed: true } invalid)
        {
            throw DirectorySyncException.Configuration(invalid.FailureMessage);
        }

        var runner = new DirectorySyncRunner(options, redis, metrics, NullLogger.Instance);
        return await runner.RunOnceAsync(mode, CancellationToken.None);
    }

    public static RedisMailboxDirectory Reader(IConnectionMultiplexer redis, string prefix, TimeSpan? refresh = null, TimeProvider? time = null, TimeSpan? maxAge = null) =>
        new(redis, new RedisDirectoryOptions
        {
            Configuration = "unused",
            KeyPrefix = prefix,
            PointerRefreshInterval = refresh ?? TimeSpan.FromMilliseconds(200),
            MaxAge = maxAge ?? TimeSpan.FromHours(26),
        }, time);

    /// <summary>The built mssgw-directory-sync.dll (same configuration as the tests).</summary>
    public static string ExecutablePath
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            return RepositoryPaths.Combine("directory-sync", "MssGateway.DirectorySync", "bin", configuration, "net10.0", "mssgw-directory-sync.dll");
        }
    }

    /// <summary>Environment variables that configure the executable like <paramref name="o"/> (the CronJob way).</summary>
    public static Dictionary<string, string> Environment(DirectorySyncOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var env = new Dictionary<string, string>
        {
            ["DirectorySync__Source"] = o.Source.ToString(),
            ["DirectorySync__Buckets"] = o.Buckets.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DirectorySync__BatchSize"] = o.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DirectorySync__RetireDelay"] = o.RetireDelay.ToString(),
            ["DirectorySync__MaxEntriesPerSecond"] = o.MaxEntriesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DirectorySync__Redis__Configuration"] = o.Redis.Configuration,
            ["DirectorySync__Redis__KeyPrefix"] = o.Redis.KeyPrefix,
        };
        if (o.Redis.User is not null)
        {
            env["DirectorySync__Redis__User"] = o.Redis.User;
        }

        if (o.Redis.PasswordFile is not null)
        {
            env["DirectorySync__Redis__PasswordFile"] = o.Redis.PasswordFile;
        }

        if (o.Source == DirectorySource.Ldap)
        {
            env["DirectorySync__Ldap__Host"] = o.Ldap.Host;
            env["DirectorySync__Ldap__Port"] = o.Ldap.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            env["DirectorySync__Ldap__Security"] = o.Ldap.Security.ToString();
            env["DirectorySync__Ldap__BaseDn"] = o.Ldap.BaseDn;
            env["DirectorySync__Ldap__PageSize"] = o.Ldap.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (o.Ldap.BindDn is not null)
            {
                env["DirectorySync__Ldap__BindDn"] = o.Ldap.BindDn;
                env["DirectorySync__Ldap__BindPasswordFile"] = o.Ldap.BindPasswordFile!;
            }
        }
        else
        {
            env["DirectorySync__FlatFile__Path"] = o.FlatFile.Path;
        }

        return env;
    }

    public static Task<ExternalProcess.Result> RunExecutableAsync(Dictionary<string, string> env, params string[] args) =>
        ExternalProcess.RunAsync("dotnet", [ExecutablePath, .. args], environment: env, timeout: TimeSpan.FromMinutes(2));
}
