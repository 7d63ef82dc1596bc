using MssGateway.Directory.Tests.Fixtures;
using MssGateway.Testing;
using StackExchange.Redis;

namespace MssGateway.Directory.Tests;

/// <summary>One slapd with a few thousand generated mailboxes and one redis-server, shared by the LDAP sync tests.</summary>
public sealed class LdapSyncFixture : IAsyncLifetime
{
    /// <summary>Mailboxes under ou=mailboxes (read-only for the tests).</summary>
    public const int MailboxCount = 3000;

    /// <summary>Mailboxes under ou=changes (the incremental test changes them).</summary>
    public const int ChangesCount = 300;

    private readonly TempDirectory _dir = new("mssgw-ldapsync");

    public SlapdServer Slapd { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public string PasswordFile => _dir.Combine("bind-password");

    public string WrongPasswordFile => _dir.Combine("wrong-password");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(PasswordFile, SlapdServer.RootPassword + "\n");
        await File.WriteAllTextAsync(WrongPasswordFile, "not-the-password\n");
        var slapd = SlapdServer.StartAsync(w =>
        {
            DirectoryDataGenerator.WriteLdif(w, MailboxCount);
            DirectoryDataGenerator.WriteLdif(w, ChangesCount, ou: "changes", tag: "c", withSuffix: false);
        });
        var redis = RedisServer.StartAsync();
        Slapd = await slapd;
        Redis = await redis;
        Connection = await Redis.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Redis.DisposeAsync();
        await Slapd.DisposeAsync();
        _dir.Dispose();
    }
}
