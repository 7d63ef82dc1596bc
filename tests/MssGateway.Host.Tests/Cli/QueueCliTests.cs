using System.Globalization;
using System.Text.Json;
using MssGateway.Delivery;
using MssGateway.Directory;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Cli;

/// <summary>
/// <c>mssgw queue</c> as an operator runs it (the real executable) over a real spool: JSON output,
/// every filter, bulk actions with and without <c>--yes</c>, the qshape table, hashed addresses,
/// and precise refusals of bad arguments. Every run also checks that no message body leaks.
/// </summary>
public sealed class QueueCliTests
{
    private const string Doctor = "dr.martin@a.mssante.test";

    /// <summary>Five messages: one per state, several domains and ages, a null sender, one being delivered.</summary>
    private sealed record Queue(TestSpool Spool, string Fresh, string Deferred, string Bounce, string Held, string Active) : IDisposable
    {
        public void Dispose() => Spool.Dispose();
    }

    private static async Task<Queue> QueueAsync()
    {
        var spool = new TestSpool();
        var fresh = await spool.AddAsync(Doctor, ["x@b.mssante.test"], TimeSpan.FromMinutes(10));
        var deferred = await spool.AddAsync(Doctor, ["y@b.mssante.test", "z@c.mssante.test"], TimeSpan.FromHours(3), SpoolState.Deferred, attempts: 2,
            lastReply: "451 4.7.5 peer_not_listed: the next hop's certificate is not accepted for b.mssante.test <y@b.mssante.test>");
        var bounce = await spool.AddAsync(string.Empty, [Doctor], TimeSpan.FromDays(2), SpoolState.Deferred, attempts: 5, lastReply: "421 4.4.2 connection_lost");
        var held = await spool.AddAsync("infirmier@sub.b.mssante.test", ["w@sub.b.mssante.test"], TimeSpan.FromMinutes(30), SpoolState.Hold);
        var active = await spool.AddAsync(Doctor, ["v@b.mssante.test"], TimeSpan.FromDays(3), SpoolState.Active);
        return new Queue(spool, fresh, deferred, bounce, held, active);
    }

    private static async Task<ExternalProcess.Result> QueueCommandAsync(Queue q, params string[] args)
    {
        // Addresses in clear, as a dev-mode operator sees them; the hashing tests below turn hashing on.
        var r = await Mssgw.RunAsync(["queue", .. args, "--spool", q.Spool.Path, "--Gateway:Logging:HashAddresses=false"], null, null);
        Assert.DoesNotContain(TestSpool.SecretSubject, r.StdOut + r.StdErr, StringComparison.Ordinal);
        return r;
    }

    private static string[] IdsIn(string output, Queue q) =>
        new[] { q.Fresh, q.Deferred, q.Bounce, q.Held, q.Active }.Where(id => output.Contains(id, StringComparison.Ordinal)).ToArray();

    [Fact]
    public async Task List_shows_every_message_of_every_state_with_the_count()
    {
        using var q = await QueueAsync();

        var r = await QueueCommandAsync(q, "list");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal(5, IdsIn(r.StdOut, q).Length);
        Assert.Contains("-- 5 message(s)", r.StdOut, StringComparison.Ordinal);
        Assert.Contains(r.StdOut.Split('\n'), l => l.StartsWith(q.Bounce, StringComparison.Ordinal) && l.TrimEnd().EndsWith("<>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_json_prints_one_postqueue_like_object_per_message_and_line()
    {
        using var q = await QueueAsync();

        var r = await QueueCommandAsync(q, "list", "--json");

        Assert.Equal(0, r.ExitCode);
        var lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        var byId = lines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(e => e.GetProperty("queue_id").GetString()!);
        var deferred = byId[q.Deferred];
        Assert.Equal("deferred", deferred.GetProperty("queue_name").GetString());
        Assert.Equal(Doctor, deferred.GetProperty("sender").GetString());
        Assert.Equal(2, deferred.GetProperty("attempts").GetInt32());
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(deferred.GetProperty("arrival_time").GetInt64(), now - 3 * 3600 - 120, now - 3 * 3600 + 5);
        Assert.True(deferred.GetProperty("next_attempt_time").GetInt64() > now);
        Assert.True(deferred.GetProperty("message_size").GetInt64() > 0);
        var recipients = deferred.GetProperty("recipients").EnumerateArray().ToList();
        Assert.Equal(["y@b.mssante.test", "z@c.mssante.test"], recipients.Select(x => x.GetProperty("address").GetString()));
        Assert.All(recipients, x => Assert.Equal("pending", x.GetProperty("status").GetString()));
        Assert.StartsWith("451 4.7.5 peer_not_listed", recipients[0].GetProperty("delay_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("127.0.0.1:25", recipients[0].GetProperty("next_hop").GetString());
        Assert.Equal(string.Empty, byId[q.Bounce].GetProperty("sender").GetString()); // postqueue -j: the null sender is ""
        Assert.True(byId[q.Held].GetProperty("held").GetBoolean());
        Assert.Equal(JsonValueKind.Null, byId[q.Fresh].GetProperty("next_attempt_time").ValueKind);
    }

    [Fact]
    public async Task Show_json_prints_the_same_object_for_one_message()
    {
        using var q = await QueueAsync();

        var r = await QueueCommandAsync(q, "show", q.Bounce, "--json");

        Assert.Equal(0, r.ExitCode);
        var e = JsonDocument.Parse(r.StdOut).RootElement;
        Assert.Equal(q.Bounce, e.GetProperty("queue_id").GetString());
        Assert.Equal(5, e.GetProperty("attempts").GetInt32());
        Assert.Equal(Doctor, e.GetProperty("recipients")[0].GetProperty("address").GetString());
    }

    [Fact]
    public async Task State_filter_takes_a_positional_state_or_a_list_of_states()
    {
        using var q = await QueueAsync();

        var positional = await QueueCommandAsync(q, "list", "deferred");
        var option = await QueueCommandAsync(q, "list", "--state", "deferred,hold");
        var twice = await QueueCommandAsync(q, "list", "--state", "active", "--state", "incoming");

        Assert.Equal([q.Deferred, q.Bounce], IdsIn(positional.StdOut, q));
        Assert.Equal([q.Deferred, q.Bounce, q.Held], IdsIn(option.StdOut, q));
        Assert.Equal([q.Fresh, q.Active], IdsIn(twice.StdOut, q));
    }

    [Fact]
    public async Task Domain_filter_selects_messages_with_a_recipient_in_the_domain_and_a_leading_dot_adds_its_subdomains()
    {
        using var q = await QueueAsync();

        var exact = await QueueCommandAsync(q, "list", "--domain", "b.mssante.test");
        var withSubdomains = await QueueCommandAsync(q, "list", "--domain", ".b.mssante.test");
        var caseInsensitive = await QueueCommandAsync(q, "list", "--domain", "C.MSSANTE.TEST");

        Assert.Equal([q.Fresh, q.Deferred, q.Active], IdsIn(exact.StdOut, q));
        Assert.Equal([q.Fresh, q.Deferred, q.Held, q.Active], IdsIn(withSubdomains.StdOut, q));
        Assert.Equal([q.Deferred], IdsIn(caseInsensitive.StdOut, q));
    }

    [Fact]
    public async Task Sender_filter_takes_an_address_a_domain_or_the_null_sender()
    {
        using var q = await QueueAsync();

        var address = await QueueCommandAsync(q, "list", "--sender", "DR.MARTIN@a.mssante.test");
        var domain = await QueueCommandAsync(q, "list", "--sender", "@sub.b.mssante.test");
        var nullSender = await QueueCommandAsync(q, "list", "--sender", "<>");

        Assert.Equal([q.Fresh, q.Deferred, q.Active], IdsIn(address.StdOut, q));
        Assert.Equal([q.Held], IdsIn(domain.StdOut, q));
        Assert.Equal([q.Bounce], IdsIn(nullSender.StdOut, q));
    }

    [Fact]
    public async Task Older_than_filter_selects_by_time_since_acceptance_and_filters_combine()
    {
        using var q = await QueueAsync();

        var hour = await QueueCommandAsync(q, "list", "--older-than", "1h");
        var dayAndHalf = await QueueCommandAsync(q, "list", "--older-than", "1d12h");
        var combined = await QueueCommandAsync(q, "list", "--state", "deferred", "--older-than", "1d");
        var minutes = await QueueCommandAsync(q, "list", "--older-than", "20m", "--sender", "@sub.b.mssante.test");

        Assert.Equal([q.Deferred, q.Bounce, q.Active], IdsIn(hour.StdOut, q));
        Assert.Equal([q.Bounce, q.Active], IdsIn(dayAndHalf.StdOut, q));
        Assert.Equal([q.Bounce], IdsIn(combined.StdOut, q));
        Assert.Equal([q.Held], IdsIn(minutes.StdOut, q));
    }

    [Fact]
    public async Task Bulk_hold_without_yes_prints_what_would_change_exits_3_and_changes_nothing()
    {
        using var q = await QueueAsync();

        var r = await QueueCommandAsync(q, "hold", "--domain", "b.mssante.test");

        Assert.Equal(QueueCommand.ExitNotConfirmed, r.ExitCode);
        Assert.Contains("would hold 2 message(s)", r.StdOut, StringComparison.Ordinal);
        Assert.Equal([q.Fresh, q.Deferred], IdsIn(r.StdOut, q));
        Assert.Contains("1 more match but are being delivered", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("--yes", r.StdOut, StringComparison.Ordinal);
        Assert.Equal(SpoolState.Incoming, q.Spool.Spool.Locate(q.Fresh));
        Assert.Equal(SpoolState.Deferred, q.Spool.Spool.Locate(q.Deferred));
    }

    [Fact]
    public async Task Bulk_hold_with_yes_holds_every_match_and_leaves_the_message_being_delivered_alone_with_exit_75()
    {
        using var q = await QueueAsync();

        var r = await QueueCommandAsync(q, "hold", "--domain", "b.mssante.test", "--yes");

        Assert.Equal(QueueCommand.ExitBusy, r.ExitCode);
        Assert.Contains("-- 2 message(s) held; 1 being delivered right now", r.StdOut, StringComparison.Ordinal);
        Assert.Equal(SpoolState.Hold, q.Spool.Spool.Locate(q.Fresh));
        Assert.Equal(SpoolState.Hold, q.Spool.Spool.Locate(q.Deferred));
        Assert.True(q.Spool.Spool.ReadState(q.Fresh)!.Held);
        Assert.Equal(SpoolState.Active, q.Spool.Spool.Locate(q.Active));
        Assert.Equal(SpoolState.Deferred, q.Spool.Spool.Locate(q.Bounce));
    }

    [Fact]
    public async Task Bulk_release_of_all_held_messages_puts_them_back_in_line()
    {
        using var q = await QueueAsync();

        var preview = await QueueCommandAsync(q, "release", "--all");
        var r = await QueueCommandAsync(q, "release", "--all", "--yes");

        Assert.Equal(QueueCommand.ExitNotConfirmed, preview.ExitCode);
        Assert.Equal(SpoolState.Incoming, q.Spool.Spool.Locate(q.Held));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("-- 1 message(s) released", r.StdOut, StringComparison.Ordinal);
        Assert.Equal(SpoolState.Deferred, q.Spool.Spool.Locate(q.Deferred));
    }

    [Fact]
    public async Task Bulk_retry_by_age_moves_old_deferred_messages_back_in_line_due_now()
    {
        using var q = await QueueAsync();

        var r = await QueueCommandAsync(q, "retry", "--older-than", "1d", "--yes");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal(SpoolState.Incoming, q.Spool.Spool.Locate(q.Bounce));
        Assert.Null(q.Spool.Spool.ReadState(q.Bounce)!.NextAttemptAt);
        Assert.Equal(SpoolState.Deferred, q.Spool.Spool.Locate(q.Deferred)); // younger than a day
        Assert.Equal(SpoolState.Active, q.Spool.Spool.Locate(q.Active)); // old enough, but being delivered: already being tried
    }

    [Fact]
    public async Task Bulk_delete_by_null_sender_removes_the_bounces_and_their_state_only()
    {
        using var q = await QueueAsync();

        var r = await QueueCommandAsync(q, "delete", "--sender", "<>", "--yes");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("-- 1 message(s) deleted", r.StdOut, StringComparison.Ordinal);
        Assert.Null(q.Spool.Spool.Locate(q.Bounce));
        Assert.Null(q.Spool.Spool.ReadState(q.Bounce));
        Assert.Equal(4, new[] { q.Fresh, q.Deferred, q.Held, q.Active }.Count(id => q.Spool.Spool.Locate(id) is not null));
    }

    [Fact]
    public async Task Bulk_verb_needs_a_filter_or_all_and_a_state_it_applies_to()
    {
        using var q = await QueueAsync();

        var noFilter = await QueueCommandAsync(q, "delete", "--yes");
        var wrongState = await QueueCommandAsync(q, "release", "--state", "deferred", "--yes");
        var idAndFilter = await QueueCommandAsync(q, "hold", q.Fresh, "--domain", "b.mssante.test");

        Assert.Equal(QueueCommand.ExitUsage, noFilter.ExitCode);
        Assert.Contains("give a queue id, filters", noFilter.StdOut, StringComparison.Ordinal);
        Assert.Equal(QueueCommand.ExitUsage, wrongState.ExitCode);
        Assert.Contains("release applies to hold messages, not deferred", wrongState.StdOut, StringComparison.Ordinal);
        Assert.Equal(QueueCommand.ExitUsage, idAndFilter.ExitCode);
        Assert.Equal(5, new[] { q.Fresh, q.Deferred, q.Bounce, q.Held, q.Active }.Count(id => q.Spool.Spool.Locate(id) is not null));
    }

    [Fact]
    public async Task Shape_counts_pending_recipients_by_domain_in_geometric_age_buckets_like_qshape()
    {
        using var q = await QueueAsync();

        var r = await QueueCommandAsync(q, "shape");

        Assert.Equal(0, r.ExitCode);
        var table = ShapeTable.Parse(r.StdOut);
        Assert.Equal(["T", "5", "10", "20", "40", "80", "160", "320", "640", "1280", "1280+"], table.Columns);
        // 10 min → the 20 bucket (10 is not under 10); 30 min → 40; 3 h → 320; 2 and 3 days → 1280+.
        Assert.Equal(6, table.Cell("TOTAL", "T"));
        Assert.Equal(3, table.Cell("b.mssante.test", "T"));
        Assert.Equal(1, table.Cell("b.mssante.test", "20"));
        Assert.Equal(1, table.Cell("b.mssante.test", "320"));
        Assert.Equal(1, table.Cell("b.mssante.test", "1280+"));
        Assert.Equal(1, table.Cell("c.mssante.test", "320"));
        Assert.Equal(1, table.Cell("sub.b.mssante.test", "40"));
        Assert.Equal(1, table.Cell("a.mssante.test", "1280+"));
        Assert.Equal("b.mssante.test", table.Rows[1]); // busiest first, under TOTAL
    }

    [Fact]
    public async Task Shape_by_sender_counts_messages_with_configurable_buckets_states_and_rows()
    {
        using var q = await QueueAsync();

        var bySender = await QueueCommandAsync(q, "shape", "--by", "sender", "--buckets", "3", "--bucket-minutes", "60");
        var deferredTop1 = await QueueCommandAsync(q, "shape", "deferred", "--top", "1");
        var filtered = await QueueCommandAsync(q, "shape", "--domain", "c.mssante.test");

        var s = ShapeTable.Parse(bySender.StdOut);
        Assert.Equal(["T", "60", "120", "120+"], s.Columns);
        Assert.Equal(5, s.Cell("TOTAL", "T"));
        Assert.Equal(3, s.Cell("a.mssante.test", "T"));
        Assert.Equal(1, s.Cell("a.mssante.test", "60"));
        Assert.Equal(2, s.Cell("a.mssante.test", "120+"));
        Assert.Equal(1, s.Cell("<>", "120+"));
        Assert.Equal(1, s.Cell("sub.b.mssante.test", "60"));
        var d = ShapeTable.Parse(deferredTop1.StdOut);
        Assert.Equal(3, d.Cell("TOTAL", "T"));
        Assert.Equal(2, d.Rows.Count); // TOTAL and the busiest domain only
        var f = ShapeTable.Parse(filtered.StdOut);
        Assert.Equal(["TOTAL", "c.mssante.test"], f.Rows);
        Assert.Equal(1, f.Cell("TOTAL", "T"));
    }

    [Fact]
    public async Task Addresses_are_shown_hashed_like_the_gateway_logs_when_hashing_is_configured()
    {
        using var q = await QueueAsync();
        var key = Path.Combine(q.Spool.WorkDirectory, "hash.key");
        await File.WriteAllBytesAsync(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var config = Path.Combine(q.Spool.WorkDirectory, "gateway.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new { Gateway = new { Spool = new { Path = q.Spool.Path }, Logging = new { HashAddresses = true, HashKeyFile = key } } }));
        var redactor = new AddressRedactor(await File.ReadAllBytesAsync(key));

        var list = await Mssgw.RunAsync("queue", "list", "--config", config);
        var json = await Mssgw.RunAsync("queue", "list", "--json", "--config", config);
        var show = await Mssgw.RunAsync("queue", "show", q.Deferred, "--config", config);
        var filtered = await Mssgw.RunAsync("queue", "list", "--sender", Doctor, "--config", config);

        var all = list.StdOut + json.StdOut + show.StdOut + filtered.StdOut;
        Assert.Equal(0, list.ExitCode);
        Assert.DoesNotContain("@a.mssante.test", all, StringComparison.Ordinal);
        Assert.DoesNotContain("y@b.mssante.test", all, StringComparison.Ordinal);
        Assert.Contains(redactor.Render(Doctor), list.StdOut, StringComparison.Ordinal);
        Assert.Contains($"<{redactor.Render("y@b.mssante.test")}> pending", show.StdOut, StringComparison.Ordinal);
        Assert.Contains($"<{redactor.Render("y@b.mssante.test")}>", show.StdOut.Split("last:")[1], StringComparison.Ordinal); // the next hop's reply quoted it
        Assert.Contains("peer_not_listed", show.StdOut, StringComparison.Ordinal);
        Assert.Equal([q.Fresh, q.Deferred, q.Active], IdsIn(filtered.StdOut, q)); // filters see the real addresses
    }

    [Fact]
    public async Task Hashing_configured_without_a_readable_key_is_refused_naming_the_key()
    {
        using var q = await QueueAsync();

        var r = await Mssgw.RunAsync("queue", "list", "--spool", q.Spool.Path, "--Gateway:Logging:HashAddresses=true", "--Gateway:Logging:HashKeyFile=/nonexistent/key");

        Assert.Equal(QueueCommand.ExitUsage, r.ExitCode);
        Assert.Contains("Gateway:Logging:HashKeyFile", r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("@", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hashing_on_without_a_key_file_shows_no_address_in_clear_and_says_the_hashes_will_not_match_the_logs()
    {
        using var q = await QueueAsync();

        var r = await Mssgw.RunAsync("queue", "list", "--spool", q.Spool.Path, "--Gateway:Logging:HashAddresses=true");

        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain("@a.mssante.test", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("h:", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("one-off key", r.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--older-than", "soon", "--older-than soon: write an age such as 30m")]
    [InlineData("--state", "nowhere", "--state nowhere: not a queue state")]
    [InlineData("--domain", "a b", "--domain a b: not a domain name")]
    [InlineData("--sender", "nobody", "--sender nobody: write an address, @domain, or '<>'")]
    [InlineData("--frobnicate", "1", "unknown option --frobnicate")]
    public async Task Bad_arguments_are_refused_with_exit_2_naming_the_argument(string option, string value, string message)
    {
        using var q = await QueueAsync();

        var r = await QueueCommandAsync(q, "list", option, value);

        Assert.Equal(QueueCommand.ExitUsage, r.ExitCode);
        Assert.Contains(message, r.StdOut, StringComparison.Ordinal);
        Assert.Contains("usage: mssgw queue list", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shape_arguments_out_of_range_are_refused()
    {
        using var q = await QueueAsync();

        var r = await QueueCommandAsync(q, "shape", "--buckets", "1");

        Assert.Equal(QueueCommand.ExitUsage, r.ExitCode);
        Assert.Contains("--buckets 1: write a whole number from 2 to 30", r.StdOut, StringComparison.Ordinal);
    }

    /// <summary>The qshape-like table, parsed: columns from the heading line, one row per domain.</summary>
    private sealed class ShapeTable
    {
        private readonly Dictionary<string, long[]> _cells = [];

        public IReadOnlyList<string> Columns { get; private set; } = [];

        public List<string> Rows { get; } = [];

        public static ShapeTable Parse(string text)
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
            var t = new ShapeTable { Columns = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries) };
            foreach (var line in lines.Skip(1))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                t.Rows.Add(parts[0]);
                t._cells[parts[0]] = parts[1..].Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            }

            return t;
        }

        public long Cell(string row, string column) => _cells[row][Columns.ToList().IndexOf(column)];
    }
}
