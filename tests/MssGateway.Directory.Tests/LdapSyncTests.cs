using MssGateway.Directory.Redis;
using MssGateway.Directory.Tests.Fixtures;
using MssGateway.DirectorySync.Options;

namespace MssGateway.Directory.Tests;

/// <summary>Full and incremental syncs from a real slapd into a real redis-server.</summary>
public sealed class LdapSyncTests : IClassFixture<LdapSyncFixture>
{
    private readonly LdapSyncFixture _f;

    public LdapSyncTests(LdapSyncFixture fixture)
    {
        _f = fixture;
    }

    [Fact]
    public async Task Full_sync_from_ldap_mirrors_every_mailbox_with_lookups_by_address_and_identifier()
    {
        const string prefix = "t-full";
        var options = SyncHarness.LdapOptions(_f.Redis.Configuration, prefix, _f.Slapd, "mailboxes", _f.PasswordFile);
        var result = await SyncHarness.RunAsync(_f.Connection, options);

        Assert.Equal("full", result.Mode);
        Assert.Equal(LdapSyncFixture.MailboxCount, result.Mailboxes);
        await using var reader = SyncHarness.Reader(_f.Connection, prefix);
        for (var i = 0; i < LdapSyncFixture.MailboxCount; i += 37)
        {
            var expected = DirectoryDataGenerator.Entry(i);
            var found = await reader.FindByAddressAsync(expected.Address.ToUpperInvariant(), CancellationToken.None);
            Assert.NotNull(found);
            Assert.Equal(expected with { LastSync = found.LastSync }, found);
            Assert.NotNull(found.LastSync);
        }

        // Mailboxes 4 and 5 are personal and share one holder (DirectoryDataGenerator).
        var holder = DirectoryDataGenerator.NationalIdentifier(4)!;
        var byId = await reader.FindByNationalIdentifierAsync(holder, CancellationToken.None);
        Assert.Equal([DirectoryDataGenerator.Address(4), DirectoryDataGenerator.Address(5)], byId.Select(e => e.Address).Order(StringComparer.Ordinal));
        Assert.Null(await reader.FindByAddressAsync("nobody@etab01.mssante.test", CancellationToken.None));

        var status = await reader.GetStatusAsync(CancellationToken.None);
        Assert.True(status.Reachable);
        Assert.Null(status.Error);
        Assert.Equal(LdapSyncFixture.MailboxCount, status.MailboxCount);
        var expectedKinds = Enumerable.Range(0, LdapSyncFixture.MailboxCount).GroupBy(DirectoryDataGenerator.Kind).ToDictionary(g => CurrentFields.KindLabel(g.Key), g => (long)g.Count());
        Assert.Equal(expectedKinds["PER"], reader.LastPointer.MailboxesByKind["PER"]);
        Assert.Equal(expectedKinds["ORG"], reader.LastPointer.MailboxesByKind["ORG"]);
        Assert.Equal(expectedKinds["APP"], reader.LastPointer.MailboxesByKind["APP"]);
        Assert.Equal(expectedKinds["CAB"], reader.LastPointer.MailboxesByKind["CAB"]);
    }

    [Fact]
    public async Task Incremental_run_applies_additions_modifications_and_deletions()
    {
        const string prefix = "t-incr";
        var options = SyncHarness.LdapOptions(_f.Redis.Configuration, prefix, _f.Slapd, "changes", _f.PasswordFile);
        options.Ldap.IncrementalOverlap = TimeSpan.Zero;
        var full = await SyncHarness.RunAsync(_f.Connection, options, SyncMode.Full);
        Assert.Equal(LdapSyncFixture.ChangesCount, full.Mailboxes);

        // Add one, change the holder and names of 5 (which shared a holder with 4), delete 7.
        var added = DirectoryDataGenerator.Entry(900, "c");
        var sw = new StringWriter();
        sw.NewLine = "\n";
        DirectoryDataGenerator.WriteLdifEntry(sw, added, "changes", 900);
        var addLdif = "changetype: add\n";
        var lines = sw.ToString().Split('\n', 2);
        await _f.Slapd.LdapModifyAsync(lines[0] + "\n" + addLdif + lines[1]);
        var dn5 = $"uid=m{5:D7},ou=changes,{DirectoryDataGenerator.Suffix}";
        await _f.Slapd.LdapModifyAsync($"dn: {dn5}\nchangetype: modify\nreplace: hcIdentifier\nhcIdentifier: 899999999999\n-\nreplace: sn\nsn: CHANGED\n-\nreplace: mssanteMailboxType\nmssanteMailboxType: CAB\n\n");
        await _f.Slapd.LdapModifyAsync($"dn: uid=m{7:D7},ou=changes,{DirectoryDataGenerator.Suffix}\nchangetype: delete\n\n");

        var incr = await SyncHarness.RunAsync(_f.Connection, options);

        Assert.Equal("incremental", incr.Mode);
        Assert.Equal(full.Generation, incr.Generation);
        Assert.Equal(1, incr.Deleted);
        await using var reader = SyncHarness.Reader(_f.Connection, prefix);
        Assert.Equal(added.Address, (await reader.FindByAddressAsync(added.Address, CancellationToken.None))?.Address);
        var changed = await reader.FindByAddressAsync(DirectoryDataGenerator.Address(5, "c"), CancellationToken.None);
        Assert.Equal("CHANGED", changed?.LastName);
        Assert.Equal(MailboxKind.Practice, changed?.Kind);
        Assert.Equal([DirectoryDataGenerator.Address(4, "c")], (await reader.FindByNationalIdentifierAsync(DirectoryDataGenerator.NationalIdentifier(4)!, CancellationToken.None)).Select(e => e.Address));
        Assert.Equal([DirectoryDataGenerator.Address(5, "c")], (await reader.FindByNationalIdentifierAsync("899999999999", CancellationToken.None)).Select(e => e.Address));
        Assert.Null(await reader.FindByAddressAsync(DirectoryDataGenerator.Address(7, "c"), CancellationToken.None));
        var status = await reader.GetStatusAsync(CancellationToken.None);
        Assert.Equal(LdapSyncFixture.ChangesCount, status.MailboxCount); // +1 added, -1 deleted
        Assert.EndsWith(":1", status.Generation, StringComparison.Ordinal);
        var kinds = reader.LastPointer.MailboxesByKind;
        Assert.Equal(LdapSyncFixture.ChangesCount, kinds.Values.Sum());
    }
}
