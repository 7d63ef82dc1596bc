using System.Globalization;
using System.Text.Json;
using MssGateway.Directory;
using MssGateway.Journal;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Cli;

/// <summary>
/// Issue 17, operator actions on record: <c>mssgw queue delete|retry|hold|release</c> (the real executable,
/// a real spool) with the journal on write <c>operator_*</c> records to the CLI's own instance
/// (<c>mssgw-0-cli</c>) — the intent before the spool is touched, then the outcome — each run signed by a
/// checkpoint; <c>journal verify</c> checks that instance like any other and names an edited, removed or cut
/// record; two runs at once make one chain; a journal that cannot be written stops the action.
/// </summary>
public sealed class QueueJournalCliTests : IDisposable
{
    private const string Doctor = "dr.martin@a.mssante.test";
    private const string Nurse = "infirmier@b.mssante.test";

    private readonly TestSpool _spool = new();
    private readonly string _key;
    private readonly string _hashKey;
    private readonly AddressRedactor _redactor;

    public QueueJournalCliTests()
    {
        _key = Path.Combine(_spool.WorkDirectory, "journal.key");
        JournalSigner.Generate(_key).Dispose();
        _hashKey = Path.Combine(_spool.WorkDirectory, "hash.key");
        var secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        File.WriteAllBytes(_hashKey, secret);
        _redactor = new AddressRedactor(secret);
    }

    public void Dispose() => _spool.Dispose();

    private string Root => Path.Combine(_spool.Path, "journal");

    private string CliInstance => Path.Combine(Root, "mssgw-0-cli");

    /// <summary>The gateway's configuration as the CLI in its pod reads it: journal on, instance mssgw-0, addresses hashed (the default) with the shared key.</summary>
    private string[] Configuration(params string[] more) =>
        ["--spool", _spool.Path, "--Gateway:InstanceName=mssgw-0", "--Gateway:Journal:Enabled=true", $"--Gateway:Journal:SigningKeyFile={_key}", $"--Gateway:Logging:HashKeyFile={_hashKey}", .. more];

    private async Task<ExternalProcess.Result> QueueAsync(params string[] args)
    {
        var r = await Mssgw.RunAsync(["queue", .. args, .. Configuration()], null, null);
        Assert.DoesNotContain(TestSpool.SecretSubject, r.StdOut + r.StdErr, StringComparison.Ordinal);
        return r;
    }

    private Task<ExternalProcess.Result> VerifyAsync() => Mssgw.RunAsync(["journal", "verify", "--journal", Root, "--public-key", _key], null, null);

    private List<JsonElement> Records() =>
        [.. JournalFiles.List(CliInstance).SelectMany(File.ReadAllLines).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)];

    private static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : string.Empty;

    [Fact]
    public async Task Delete_and_retry_are_recorded_with_author_outcome_and_hashed_recipients_and_the_cli_instance_verifies()
    {
        var incoming = await _spool.AddAsync(Doctor, [Nurse, "z@c.mssante.test"], TimeSpan.FromMinutes(10));
        var deferred = await _spool.AddAsync(Doctor, [Nurse], TimeSpan.FromHours(2), SpoolState.Deferred, attempts: 2);

        var delete = await QueueAsync("delete", incoming);
        Assert.True(delete.ExitCode == 0, delete.StdOut + delete.StdErr);
        var retry = await QueueAsync("retry", deferred);
        Assert.True(retry.ExitCode == 0, retry.StdOut + retry.StdErr);
        var missing = await QueueAsync("delete", "00000000000NOPE1");
        Assert.Equal(1, missing.ExitCode);
        Assert.Null(_spool.Spool.Locate(incoming));
        Assert.Equal(SpoolState.Incoming, _spool.Spool.Locate(deferred));

        var verify = await VerifyAsync();
        Assert.True(verify.ExitCode == 0, verify.StdOut + verify.StdErr);
        Assert.Contains($"journal {CliInstance}: OK, ", verify.StdOut, StringComparison.Ordinal);
        Assert.Contains("0 records after it not yet signed", verify.StdOut, StringComparison.Ordinal);

        var export = await Mssgw.RunAsync(["journal", "export", "--journal", Root, "--instance", "mssgw-0-cli"], null, null);
        Assert.Equal(0, export.ExitCode);
        Assert.DoesNotContain(TestSpool.SecretSubject, export.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("Bonjour", export.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(Nurse, export.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(Doctor, export.StdOut, StringComparison.Ordinal);
        var records = export.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var seqs = records.Select(r => r.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);

        var deletes = records.Where(r => Str(r, "kind") == "operator_delete" && Str(r, "queue_id") == incoming).ToList();
        Assert.Equal(["requested", "done"], deletes.Select(r => Str(r, "result")));
        var uid = long.Parse((await ExternalProcess.RunAsync("id", "-u")).StdOut.Trim(), CultureInfo.InvariantCulture);
        var user = (await ExternalProcess.RunAsync("id", "-un")).StdOut.Trim();
        foreach (var r in deletes)
        {
            Assert.Equal("mssgw-0-cli", Str(r, "instance"));
            Assert.Equal(uid, r.GetProperty("operator_uid").GetInt64());
            Assert.Equal(user, Str(r, "operator_user"));
            Assert.Equal(Environment.MachineName, Str(r, "host"));
            Assert.Equal("incoming", Str(r, "queue_state"));
            Assert.Equal($"queue delete {incoming}", Str(r, "request"));
            Assert.Equal(_redactor.Render(Doctor), Str(r, "sender"));
            Assert.Equal([_redactor.Render(Nurse), _redactor.Render("z@c.mssante.test")], r.GetProperty("recipients").EnumerateArray().Select(e => e.GetString()));
            Assert.True(DateTimeOffset.UtcNow - r.GetProperty("time").GetDateTimeOffset() < TimeSpan.FromMinutes(5));
        }

        var retries = records.Where(r => Str(r, "kind") == "operator_retry").ToList();
        Assert.Equal(["requested", "done"], retries.Select(r => Str(r, "result")));
        Assert.All(retries, r => Assert.Equal("deferred", Str(r, "queue_state")));
        var notFound = records.Where(r => Str(r, "queue_id") == "00000000000NOPE1").ToList();
        Assert.Equal(["requested", "not_found"], notFound.Select(r => Str(r, "result")));

        // Each run resumed the chain and ended with a signed checkpoint.
        Assert.Equal("checkpoint", Str(records[^1], "kind"));
        for (var i = 0; i < records.Count; i++)
        {
            if (Str(records[i], "result") is "done" or "not_found")
            {
                Assert.Equal("checkpoint", Str(records[i + 1], "kind"));
            }
        }
    }

    [Fact]
    public async Task A_dry_run_a_list_and_a_refused_argument_write_nothing_and_with_the_journal_off_nothing_is_recorded()
    {
        var id = await _spool.AddAsync(Doctor, [Nurse], TimeSpan.FromMinutes(10));
        Assert.Equal(0, (await QueueAsync("list")).ExitCode);
        Assert.Equal(3, (await QueueAsync("delete", "--all")).ExitCode); // without --yes: what it would do
        Assert.Equal(2, (await QueueAsync("delete", id, "--all")).ExitCode);
        Assert.False(System.IO.Directory.Exists(CliInstance));

        var off = await Mssgw.RunAsync(["queue", "delete", id, "--spool", _spool.Path, "--Gateway:Journal:Enabled=false", $"--Gateway:Journal:SigningKeyFile={_key}"], null, null);
        Assert.True(off.ExitCode == 0, off.StdOut + off.StdErr);
        Assert.Equal($"{id}: deleted (no DSN is sent)", off.StdOut.Trim());
        Assert.False(System.IO.Directory.Exists(Root));
    }

    [Fact]
    public async Task A_bulk_delete_records_each_message_with_the_filters_asked_hashed()
    {
        var a = await _spool.AddAsync(Doctor, [Nurse], TimeSpan.FromHours(1));
        var b = await _spool.AddAsync(Doctor, ["y@b.mssante.test"], TimeSpan.FromHours(1), SpoolState.Deferred, attempts: 1);
        var other = await _spool.AddAsync("autre@c.mssante.test", ["y@c.mssante.test"], TimeSpan.FromHours(1));

        var r = await QueueAsync("delete", "--sender", Doctor, "--yes");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.NotNull(_spool.Spool.Locate(other));
        var done = Records().Where(x => Str(x, "kind") == "operator_delete" && Str(x, "result") == "done").ToList();
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), done.Select(x => Str(x, "queue_id")).Order(StringComparer.Ordinal));
        Assert.All(done, x => Assert.Equal($"queue delete --sender {_redactor.Render(Doctor)} --yes", Str(x, "request")));
        Assert.True((await VerifyAsync()).ExitCode == 0);
    }

    [Fact]
    public async Task Hold_release_and_a_message_being_delivered_are_recorded_with_their_outcomes()
    {
        var id = await _spool.AddAsync(Doctor, [Nurse], TimeSpan.FromMinutes(10));
        var active = await _spool.AddAsync(Doctor, [Nurse], TimeSpan.FromMinutes(10), SpoolState.Active);

        Assert.Equal(0, (await QueueAsync("hold", id)).ExitCode);
        Assert.Equal(0, (await QueueAsync("hold", id)).ExitCode);
        Assert.Equal(0, (await QueueAsync("release", id)).ExitCode);
        Assert.Equal(75, (await QueueAsync("delete", active)).ExitCode);

        var outcomes = Records().Where(r => Str(r, "result") != "requested" && r.TryGetProperty("queue_id", out _)).Select(r => (Str(r, "kind"), Str(r, "queue_state"), Str(r, "result"))).ToList();
        Assert.Equal(
            [("operator_hold", "incoming", "done"), ("operator_hold", "hold", "already_done"), ("operator_release", "hold", "done"), ("operator_delete", "active", "busy")],
            outcomes);
        Assert.Equal(SpoolState.Active, _spool.Spool.Locate(active));
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    [Fact]
    public async Task An_action_the_spool_fails_is_recorded_as_failed_with_the_reason_and_exits_74()
    {
        var id = await _spool.AddAsync(Doctor, [Nurse], TimeSpan.FromMinutes(10));
        // A file already in hold/ under the same id: the claim (rename incoming -> hold) fails.
        await File.WriteAllTextAsync(_spool.Spool.PathOf(SpoolState.Hold, id), string.Empty);

        var r = await QueueAsync("delete", id);

        Assert.Equal(74, r.ExitCode);
        Assert.Contains("the spool failed the action", r.StdOut, StringComparison.Ordinal);
        var records = Records().Where(x => Str(x, "queue_id") == id).ToList();
        Assert.Equal(["requested", "failed"], records.Select(x => Str(x, "result")));
        Assert.NotEqual(string.Empty, Str(records[1], "reason"));
        Assert.Equal("checkpoint", Str(Records()[^1], "kind"));
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
    }

    [Fact]
    public async Task A_journal_that_cannot_be_written_stops_the_action_with_exit_74_and_the_message_stays()
    {
        var id = await _spool.AddAsync(Doctor, [Nurse], TimeSpan.FromMinutes(10));
        // A file where the journal root should be: no directory can be made under it (tests run as root, so a
        // read-only mode would not stop the write).
        var blocked = Path.Combine(_spool.WorkDirectory, "not-a-directory");
        await File.WriteAllTextAsync(blocked, "x");

        var r = await Mssgw.RunAsync(["queue", "delete", id, .. Configuration($"--Gateway:Journal:Path={blocked}")], null, null);

        Assert.Equal(74, r.ExitCode);
        Assert.Contains("cannot be recorded, so nothing was changed", r.StdOut, StringComparison.Ordinal);
        Assert.Contains(blocked, r.StdOut, StringComparison.Ordinal);
        Assert.Equal(SpoolState.Incoming, _spool.Spool.Locate(id));

        var noKey = await Mssgw.RunAsync(["queue", "delete", id, "--spool", _spool.Path, "--Gateway:Journal:Enabled=true"], null, null);
        Assert.Equal(2, noKey.ExitCode);
        Assert.Contains("Gateway:Journal:SigningKeyFile is not set", noKey.StdOut, StringComparison.Ordinal);
        Assert.Equal(SpoolState.Incoming, _spool.Spool.Locate(id));
    }

    [Fact]
    public async Task Two_runs_at_once_make_one_chain_with_both_actions_and_consecutive_seqs()
    {
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await _spool.AddAsync(Doctor, [Nurse], TimeSpan.FromMinutes(10 + i)));
        }

        var runs = await Task.WhenAll(ids.Select(id => QueueAsync("delete", id)));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr));
        var records = Records();
        Assert.Equal(Enumerable.Range(1, records.Count).Select(i => (long)i), records.Select(r => r.GetProperty("seq").GetInt64()));
        Assert.Equal(ids.Order(StringComparer.Ordinal), records.Where(r => Str(r, "result") == "done").Select(r => Str(r, "queue_id")).Order(StringComparer.Ordinal));
        // Never interleaved: each run's intent is followed by its own outcome.
        for (var i = 0; i < records.Count; i++)
        {
            if (Str(records[i], "result") == "requested")
            {
                Assert.Equal(Str(records[i], "queue_id"), Str(records[i + 1], "queue_id"));
                Assert.Equal("done", Str(records[i + 1], "result"));
            }
        }

        var verify = await VerifyAsync();
        Assert.True(verify.ExitCode == 0, verify.StdOut);
    }

    [Fact]
    public async Task A_run_that_finds_the_instance_held_waits_for_the_holder_then_acts()
    {
        var id = await _spool.AddAsync(Doctor, [Nurse], TimeSpan.FromMinutes(10));
        System.IO.Directory.CreateDirectory(CliInstance);
        // Another writer (flock(1) takes the same flock(2) lock) holds the CLI instance for 2 s, then lets go.
        var holder = ExternalProcess.RunAsync("flock", "-x", Path.Combine(CliInstance, JournalWriterLock.FileName), "sleep", "2");
        await Task.Delay(300);

        var r = await QueueAsync("delete", id);

        await holder;
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Null(_spool.Spool.Locate(id));
        Assert.True((await VerifyAsync()).ExitCode == 0);
    }

    // Attacks: an operator (or anyone with a shell in the pod) deletes a message, then tries to erase the trace.

    private async Task<string> DeleteTwoAsync()
    {
        var first = await _spool.AddAsync(Doctor, [Nurse], TimeSpan.FromMinutes(20));
        var second = await _spool.AddAsync(Doctor, [Nurse], TimeSpan.FromMinutes(10));
        Assert.Equal(0, (await QueueAsync("delete", first)).ExitCode);
        Assert.Equal(0, (await QueueAsync("delete", second)).ExitCode);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);
        return first;
    }

    private string CliFile => JournalFiles.List(CliInstance).Single();

    [Fact]
    public async Task Editing_the_cli_record_of_a_deletion_is_named_by_verify()
    {
        var first = await DeleteTwoAsync();
        var lines = (await File.ReadAllLinesAsync(CliFile)).ToList();
        var i = lines.FindIndex(l => l.Contains(first, StringComparison.Ordinal) && l.Contains("\"result\":\"done\"", StringComparison.Ordinal));
        lines[i] = lines[i].Replace("\"result\":\"done\"", "\"result\":\"not_found\"", StringComparison.Ordinal);
        await File.WriteAllTextAsync(CliFile, string.Concat(lines.Select(l => l + "\n")));

        var r = await VerifyAsync();

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"journal {CliInstance}: FAILED at journal-000000000001.jsonl line {i + 1}", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Removing_the_cli_records_of_a_deletion_is_named_by_verify()
    {
        var first = await DeleteTwoAsync();
        var lines = (await File.ReadAllLinesAsync(CliFile)).ToList();
        var seqOfIntent = JsonDocument.Parse(lines.First(l => l.Contains(first, StringComparison.Ordinal))).RootElement.GetProperty("seq").GetInt64();
        await File.WriteAllTextAsync(CliFile, string.Concat(lines.Where(l => !l.Contains(first, StringComparison.Ordinal)).Select(l => l + "\n")));

        var r = await VerifyAsync();

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"record seq {seqOfIntent} is missing", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cutting_the_cli_journal_inside_a_record_is_named_by_verify()
    {
        await DeleteTwoAsync();
        var length = new FileInfo(CliFile).Length;
        await using (var f = new FileStream(CliFile, FileMode.Open, FileAccess.Write))
        {
            f.SetLength(length - 40); // inside the closing checkpoint of the last run
        }

        var r = await VerifyAsync();

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("torn", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replacing_the_cli_journal_with_a_re_signed_forgery_is_named_by_verify()
    {
        var first = await DeleteTwoAsync();
        // The attacker writes a whole new chain without the deletion, signed with a key of their own.
        var forger = Path.Combine(_spool.WorkDirectory, "forger.key");
        JournalSigner.Generate(forger).Dispose();
        System.IO.Directory.Delete(CliInstance, recursive: true);
        using (var forged = new ExchangeJournal(new JournalOptions { Enabled = true, SigningKeyFile = forger }, Root, "mssgw-0-cli", _redactor))
        {
            forged.Open();
            await forged.StopAsync(CancellationToken.None);
        }

        var r = await VerifyAsync();

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("whose public key was not given", r.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(first, string.Concat(File.ReadAllLines(CliFile)), StringComparison.Ordinal);
    }
}
