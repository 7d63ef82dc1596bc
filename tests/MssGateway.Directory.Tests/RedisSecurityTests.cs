using MssGateway.Directory.Redis;
using MssGateway.Directory.Tests.Fixtures;
using MssGateway.DirectorySync;
using MssGateway.Testing;
using StackExchange.Redis;

namespace MssGateway.Directory.Tests;

/// <summary>Redis with an ACL user whose password comes from a file, and Redis over TLS (the directory is personal data).</summary>
public sealed class RedisSecurityTests : IAsyncLifetime
{
    private const string Password = "s3cret-from-a-kubernetes-secret";
    private readonly TempDirectory _dir = new("mssgw-redissec");
    private string _flat = null!;

    public async Task InitializeAsync()
    {
        _flat = _dir.Combine("flat.txt");
        await using var w = new StreamWriter(_flat);
        DirectoryDataGenerator.WriteFlatFile(w, 100);
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_acl_user_with_a_password_file_can_sync_and_read_and_a_missing_password_exits_4()
    {
        await using var redis = await RedisServer.StartAsync("--user", "default", "off", "--user", "mssgw", "on", ">" + Password, "~*", "&*", "+@all");
        var passwordFile = _dir.Combine("redis-password");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");
        var options = SyncHarness.FlatFileOptions(redis.Configuration, "acl", _flat);
        options.Redis.User = "mssgw";
        options.Redis.PasswordFile = passwordFile;

        await using (var connection = await RedisDirectoryConnection.ConnectAsync(options.Redis, "DirectorySync:Redis"))
        {
            var result = await SyncHarness.RunAsync(connection, options);
            Assert.Equal(100, result.Mailboxes);
            await using var reader = SyncHarness.Reader(connection, "acl");
            Assert.NotNull(await reader.FindByAddressAsync(DirectoryDataGenerator.Address(3), CancellationToken.None));
        }

        var env = SyncHarness.Environment(options);
        var r = await SyncHarness.RunExecutableAsync(env, "--once");
        Assert.True(r.ExitCode == 0, r.StdErr);
        env.Remove("DirectorySync__Redis__PasswordFile");
        r = await SyncHarness.RunExecutableAsync(env, "--once");
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("DirectorySync:Redis", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_and_reader_work_over_tls_with_the_configured_ca()
    {
        var script = $"""
            set -e
            cd {ExternalProcess.Quote(_dir.Path)}
            export OPENSSL_CONF=/dev/null
            openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=Test Redis CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
            openssl req -new -newkey rsa:2048 -nodes -keyout redis.key -out redis.csr -subj "/CN=127.0.0.1" 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > ext.cnf
            openssl x509 -req -in redis.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out redis.pem -days 2 -extfile ext.cnf 2>/dev/null
            """;
        (await ExternalProcess.BashAsync(script)).EnsureSuccess("openssl test PKI");
        await using var redis = await RedisServer.StartAsync((_dir.Combine("redis.pem"), _dir.Combine("redis.key"), _dir.Combine("ca.pem")));
        var options = SyncHarness.FlatFileOptions(redis.Configuration, "tls", _flat);
        options.Redis.Tls = true;
        options.Redis.TlsCaFile = _dir.Combine("ca.pem");
        // What is asserted is trust (the CA makes the handshake succeed, its absence makes it fail), not speed:
        // on a loaded 2-core CI machine three 5 s handshake attempts all timed out once (a full suite run).
        options.Redis.ConnectTimeout = TimeSpan.FromSeconds(30);

        await using var connection = await RedisDirectoryConnection.ConnectAsync(options.Redis, "DirectorySync:Redis");
        var result = await SyncHarness.RunAsync(connection, options);

        Assert.Equal(100, result.Mailboxes);
        await using var reader = SyncHarness.Reader(connection, "tls");
        Assert.NotNull(await reader.FindByAddressAsync(DirectoryDataGenerator.Address(3), CancellationToken.None));

        // Without the CA the server certificate is not trusted: no connection.
        options.Redis.TlsCaFile = null;
        await Assert.ThrowsAnyAsync<RedisException>(async () => await RedisDirectoryConnection.ConnectAsync(options.Redis, "DirectorySync:Redis"));
    }
}
