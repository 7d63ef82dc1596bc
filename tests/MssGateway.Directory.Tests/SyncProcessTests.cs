using System.Diagnostics;
using MssGateway.Directory.Tests.Fixtures;
using StackExchange.Redis;

namespace MssGateway.Directory.Tests;

/// <summary>The real mssgw-directory-sync executable: exit codes, messages, and a sync killed midway.</summary>
public sealed class SyncProcessTests : IClassFixture<LdapSyncFixture>
{
    private readonly LdapSyncFixture _f;

    public SyncProcessTests(LdapSyncFixture fixture)
    {
        _f = fixture;
    }

    [Fact]
    public async Task Once_syncs_from_ldap_and_exits_0()
    {
        var options = SyncHarness.LdapOptions(_f.Redis.Configuration, "p-ok", _f.Slapd, "mailboxes", _f.PasswordFile);
        var r = await SyncHarness.RunExecutableAsync(SyncHarness.Environment(options), "--once");

        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        await using var reader = SyncHarness.Reader(_f.Connection, "p-ok");
        Assert.Equal(LdapSyncFixture.MailboxCount, (await reader.GetStatusAsync(CancellationToken.None)).MailboxCount);
    }

    [Fact]
    public async Task A_bad_bind_exits_3_with_a_message_naming_the_bind_settings()
    {
        var options = SyncHarness.LdapOptions(_f.Redis.Configuration, "p-badbind", _f.Slapd, "mailboxes", _f.WrongPasswordFile);
        var r = await SyncHarness.RunExecutableAsync(SyncHarness.Environment(options), "--once");

        Assert.Equal(3, r.ExitCode);
        Assert.Contains("invalid credentials", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("DirectorySync:Ldap:BindDn", r.StdErr, StringComparison.Ordinal);
        Assert.False(await _f.Connection.GetDatabase().KeyExistsAsync("{p-badbind}:current"));
    }

    [Fact]
    public async Task An_unreachable_ldap_server_exits_3()
    {
        var options = SyncHarness.LdapOptions(_f.Redis.Configuration, "p-down", _f.Slapd, "mailboxes", _f.PasswordFile);
        var env = SyncHarness.Environment(options);
        env["DirectorySync__Ldap__Port"] = MssGateway.Testing.FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var r = await SyncHarness.RunExecutableAsync(env, "--once");

        Assert.Equal(3, r.ExitCode);
        Assert.Contains("unreachable", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_configuration_exits_2_naming_the_key_and_the_fix()
    {
        var options = SyncHarness.LdapOptions(_f.Redis.Configuration, "p-badconf", _f.Slapd, "mailboxes", _f.PasswordFile);
        var env = SyncHarness.Environment(options);
        env.Remove("DirectorySync__Ldap__BaseDn");
        var r = await SyncHarness.RunExecutableAsync(env, "--once");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("DirectorySync:Ldap:BaseDn is empty", r.StdErr, StringComparison.Ordinal);
    }

    /// <summary>Issue 14: one options model — every bad value, in every section, is named at once (before, the run stopped at the first).</summary>
    [Fact]
    public async Task Bad_values_in_several_sections_exit_2_naming_every_key_at_once()
    {
        var options = SyncHarness.LdapOptions(_f.Redis.Configuration, "p-badconf-all", _f.Slapd, "mailboxes", _f.PasswordFile);
        var env = SyncHarness.Environment(options);
        env.Remove("DirectorySync__Ldap__BaseDn");
        env["DirectorySync__BatchSize"] = "0";
        env["DirectorySync__Http__Address"] = "not-an-ip";
        env["DirectorySync__Http__Port"] = "70000";
        env["DirectorySync__AuthorisedDomains__Timeout"] = "-00:00:01";
        env["DirectorySync__FlatFile__Path"] = string.Empty; // not the source in use: not checked
        var r = await SyncHarness.RunExecutableAsync(env, "--once");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("DirectorySync:Ldap:BaseDn is empty", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("DirectorySync:BatchSize must be between 1 and 100000", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("DirectorySync:Http:Address 'not-an-ip' is not an IP address", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("DirectorySync:Http:Port 70000 must be between 0 and 65535", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("DirectorySync:AuthorisedDomains:Timeout must be a positive duration", r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("DirectorySync:FlatFile:Path", r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.StdErr, StringComparison.Ordinal);
    }

    /// <summary>Issue 14: an unknown key under DirectorySync used to be ignored; it now stops the run naming the key it meant.</summary>
    [Fact]
    public async Task An_unknown_key_exits_2_naming_the_nearest_key()
    {
        var options = SyncHarness.LdapOptions(_f.Redis.Configuration, "p-unknown", _f.Slapd, "mailboxes", _f.PasswordFile);
        var env = SyncHarness.Environment(options);
        env["DirectorySync__Ldap__BaseDN2"] = "ou=people,dc=x";
        var r = await SyncHarness.RunExecutableAsync(env, "--once");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("DirectorySync:Ldap:BaseDN2 (set by environment variable DirectorySync__Ldap__BaseDN2) is not a configuration key: did you mean DirectorySync:Ldap:BaseDn?", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_redis_exits_4()
    {
        var options = SyncHarness.LdapOptions($"127.0.0.1:{MssGateway.Testing.FreePort.Next()}", "p-noredis", _f.Slapd, "mailboxes", _f.PasswordFile);
        var r = await SyncHarness.RunExecutableAsync(SyncHarness.Environment(options), "--once");

        Assert.Equal(4, r.ExitCode);
        Assert.Contains("DirectorySync:Redis:Configuration", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sync_killed_midway_leaves_the_previous_generation_live_and_complete()
    {
        const string prefix = "p-kill";
        var options = SyncHarness.LdapOptions(_f.Redis.Configuration, prefix, _f.Slapd, "mailboxes", _f.PasswordFile);
        var first = await SyncHarness.RunAsync(_f.Connection, options);
        var db = _f.Connection.GetDatabase();

        // A second, throttled full sync (3000 entries at 1000/s): kill it once it has written part of its generation.
        options.MaxEntriesPerSecond = 1000;
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(SyncHarness.ExecutablePath);
        psi.ArgumentList.Add("--once");
        psi.ArgumentList.Add("--full");
        foreach (var (k, v) in SyncHarness.Environment(options))
        {
            psi.Environment[k] = v;
        }

        string? building = null;
        using (var p = Process.Start(psi)!)
        {
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            var deadline = Stopwatch.StartNew();
            while (building is null && deadline.Elapsed < TimeSpan.FromSeconds(60) && !p.HasExited)
            {
                foreach (var member in await db.SetMembersAsync("{p-kill}:generations"))
                {
                    var gen = member.ToString().Split('/')[0];
                    if (gen != first.Generation && await WrittenAsync(db, prefix, gen) >= 400)
                    {
                        building = gen;
                    }
                }

                await Task.Delay(20);
            }

            Assert.False(p.HasExited, "the throttled sync finished before it could be killed");
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }

        Assert.NotNull(building);
        Assert.Equal(first.Generation, (string?)await db.HashGetAsync("{p-kill}:current", "generation"));
        await using (var reader = SyncHarness.Reader(_f.Connection, prefix))
        {
            Assert.Equal(LdapSyncFixture.MailboxCount, (await reader.GetStatusAsync(CancellationToken.None)).MailboxCount);
            for (var i = 0; i < LdapSyncFixture.MailboxCount; i++)
            {
                Assert.NotNull(await reader.FindByAddressAsync(DirectoryDataGenerator.Address(i), CancellationToken.None));
            }
        }

        // The next run removes the killed run's keys before building its own.
        await db.KeyDeleteAsync("{p-kill}:lock");
        options.MaxEntriesPerSecond = 0;
        var next = await SyncHarness.RunAsync(_f.Connection, options);
        Assert.Equal(0, await WrittenAsync(db, prefix, building));
        Assert.Equal([$"{next.Generation}/64"], (await db.SetMembersAsync("{p-kill}:generations")).Select(m => m.ToString()));
    }

    [Fact]
    public async Task As_a_service_it_syncs_and_exposes_the_metrics_under_their_mssgw_names()
    {
        var options = SyncHarness.LdapOptions(_f.Redis.Configuration, "p-svc", _f.Slapd, "mailboxes", _f.PasswordFile);
        var env = SyncHarness.Environment(options);
        var port = MssGateway.Testing.FreePort.Next();
        env["DirectorySync__Http__Address"] = "127.0.0.1";
        env["DirectorySync__Http__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["DirectorySync__Interval"] = "01:00:00";
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(SyncHarness.ExecutablePath);
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var text = string.Empty;
            var ready = false;
            var deadline = Stopwatch.StartNew();

            // Until the run is counted and the service says ready: the worker marks it ready when the run has
            // returned, a little after the run's metrics were recorded.
            while (!(ready && text.Contains("mssgw_directory_sync_duration_seconds_count", StringComparison.Ordinal)) && deadline.Elapsed < TimeSpan.FromSeconds(60) && !p.HasExited)
            {
                try
                {
                    text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
                    using var readyz = await http.GetAsync($"http://127.0.0.1:{port}/readyz");
                    ready = readyz.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(200);
            }

            var per = Enumerable.Range(0, LdapSyncFixture.MailboxCount).Count(i => DirectoryDataGenerator.Kind(i) == MailboxKind.Personal);
            Assert.Contains($"mssgw_directory_entries{{kind=\"PER\"}} {per}", text, StringComparison.Ordinal);
            Assert.Contains("mssgw_directory_last_success_timestamp_seconds ", text, StringComparison.Ordinal);
            Assert.Contains("mssgw_directory_sync_duration_seconds_count{mode=\"full\",source=\"ldap\"} 1", text, StringComparison.Ordinal);
            Assert.DoesNotContain("mssgateway_", text, StringComparison.Ordinal);
            Assert.Contains($"mssgw_directory_sync_entries_read_total{{source=\"ldap\"}} {LdapSyncFixture.MailboxCount}", text, StringComparison.Ordinal);
            Assert.Contains("mssgw_directory_sync_progress_ratio 1", text, StringComparison.Ordinal);
            Assert.Contains("mssgw_directory_sync_running 0", text, StringComparison.Ordinal);
            Assert.Equal("ok\n", await http.GetStringAsync($"http://127.0.0.1:{port}/healthz"));
            Assert.Equal("ok\n", await http.GetStringAsync($"http://127.0.0.1:{port}/readyz"));

            // The image's HEALTHCHECK: exit 0 once ready, 1 where nothing answers.
            var healthy = await SyncHarness.RunExecutableAsync([], "healthcheck", "--url", $"http://127.0.0.1:{port}");
            Assert.True(healthy.ExitCode == 0, healthy.StdErr);
            var live = await SyncHarness.RunExecutableAsync([], "healthcheck", "--live", "--url", $"http://127.0.0.1:{port}");
            Assert.Equal(0, live.ExitCode);
            var nothing = await SyncHarness.RunExecutableAsync([], "healthcheck", "--url", $"http://127.0.0.1:{MssGateway.Testing.FreePort.Next()}");
            Assert.Equal(1, nothing.ExitCode);
            Assert.Contains("unreachable", nothing.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task As_a_service_it_is_not_ready_while_its_first_sync_has_not_succeeded()
    {
        // An LDAP server that is not there: the first run fails, the pod must not look ready.
        var options = SyncHarness.LdapOptions(_f.Redis.Configuration, "p-notready", _f.Slapd, "mailboxes", _f.PasswordFile);
        var env = SyncHarness.Environment(options);
        var port = MssGateway.Testing.FreePort.Next();
        env["DirectorySync__Ldap__Port"] = MssGateway.Testing.FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["DirectorySync__Http__Address"] = "127.0.0.1";
        env["DirectorySync__Http__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(SyncHarness.ExecutablePath);
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var body = "";
            var deadline = Stopwatch.StartNew();
            while (!body.Contains("last sync failed", StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(60) && !p.HasExited)
            {
                try
                {
                    using var response = await http.GetAsync($"http://127.0.0.1:{port}/readyz");
                    body = await response.Content.ReadAsStringAsync();
                    Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    Assert.True(body is "first sync not finished\n" or "last sync failed\n", body);
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(200);
            }

            Assert.Equal("last sync failed\n", body);
            var check = await SyncHarness.RunExecutableAsync([], "healthcheck", "--url", $"http://127.0.0.1:{port}");
            Assert.Equal(1, check.ExitCode);
            Assert.Contains("503", check.StdErr, StringComparison.Ordinal);
            Assert.Equal(0, (await SyncHarness.RunExecutableAsync([], "healthcheck", "--live", "--url", $"http://127.0.0.1:{port}")).ExitCode);
        }
        finally
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    private static async Task<long> WrittenAsync(IDatabase db, string prefix, string generation)
    {
        var lengths = Enumerable.Range(0, 64).Select(b => db.HashLengthAsync($"{prefix}:g:{generation}:a:{b}")).ToArray();
        return (await Task.WhenAll(lengths)).Sum();
    }
}
