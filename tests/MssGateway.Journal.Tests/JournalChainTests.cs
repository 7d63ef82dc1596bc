using System.Text;
using MssGateway.Directory;

namespace MssGateway.Journal.Tests;

/// <summary>
/// The exchange journal (issue 17 point 2): hash-chained records, signed checkpoints, and what
/// <c>journal verify</c> catches — the moves of someone who can edit the files but has not the
/// signing key: delete, edit, swap a record, cut a file, strip a signature, re-sign with another key.
/// </summary>
public sealed class JournalChainTests : IDisposable
{
    private readonly JournalFixture _f = new();

    public void Dispose() => _f.Dispose();

    private async Task<string> WriteJournal(int accepts = 25)
    {
        using (var journal = _f.Open())
        {
            for (var i = 0; i < accepts; i++)
            {
                journal.Append(JournalFixture.Accept(i));
                _f.Time.Advance(TimeSpan.FromSeconds(1));
            }

            journal.Append(new JournalRecord { Kind = JournalRecordKind.Refusal, QueueId = "0000000000R00001", ReplyCode = 550, EnhancedCode = "5.7.1", Reason = "smime_required", Sender = "x@y.test" });
            journal.Append(new JournalRecord { Kind = JournalRecordKind.DeliveryAttempt, QueueId = "0000000000Q00001", NextHop = "mx.hopital-b.mssante.test:25", Result = "deferred", ReplyCode = 451, RemoteReply = "451 4.2.0 <patient.care@hopital-b.mssante.test> busy", Attempt = 1 });
            await journal.StopAsync(CancellationToken.None);
            return journal.CurrentFile;
        }
    }

    private static List<string> Lines(string file) => [.. File.ReadAllText(file).Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static void WriteLines(string file, IEnumerable<string> lines) => File.WriteAllText(file, string.Concat(lines.Select(l => l + "\n")));

    [Fact]
    public async Task A_journal_as_written_verifies_with_its_checkpoints()
    {
        await WriteJournal();
        var result = _f.Verify();
        Assert.True(result.Ok, result.FirstFault?.ToString());
        Assert.True(result.Checkpoints >= 3);
        Assert.Equal(0, result.UnsignedTail);
        Assert.Equal(Lines(_f.InstanceDirectory + "/journal-000000000001.jsonl").Count, result.Records);
    }

    [Fact]
    public async Task Records_hold_identities_verdicts_and_replies_with_addresses_hashed_and_no_content()
    {
        var file = await WriteJournal(1);
        var text = File.ReadAllText(file);
        var hashed = new AddressRedactor(new byte[32]);
        Assert.Contains("\"kind\":\"accept\"", text, StringComparison.Ordinal);
        Assert.Contains("\"client_identity\":\"810001234567\"", text, StringComparison.Ordinal);
        Assert.Contains("\"client_issuer\":\"CN=TEST AC IGC-SANTE ELEMENTAIRE PERSONNES\"", text, StringComparison.Ordinal);
        Assert.Contains("\"tls\":\"TLSv1.3\"", text, StringComparison.Ordinal);
        Assert.Contains("\"smime\":\"pass\"", text, StringComparison.Ordinal);
        Assert.Contains("\"next_hop\":\"mx.hopital-b.mssante.test:25\"", text, StringComparison.Ordinal);
        Assert.Contains(hashed.Render("dr.house@hopital-a.mssante.test"), text, StringComparison.Ordinal);
        Assert.Contains(hashed.Render("patient.care@hopital-b.mssante.test"), text, StringComparison.Ordinal);
        Assert.DoesNotContain("dr.house@", text, StringComparison.Ordinal);
        Assert.DoesNotContain("patient.care@", text, StringComparison.Ordinal);
        Assert.DoesNotContain("subject", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Addresses_are_in_clear_when_hashing_is_off()
    {
        _f.Redactor = AddressRedactor.Clear;
        var text = File.ReadAllText(await WriteJournal(1));
        Assert.Contains("\"sender\":\"dr.house@hopital-a.mssante.test\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_record_is_caught_and_named()
    {
        var file = await WriteJournal();
        var lines = Lines(file);
        var victim = lines.FindIndex(l => l.Contains("Q00007", StringComparison.Ordinal));
        var seq = JournalLine.Parse(Encoding.UTF8.GetBytes(lines[victim]))!.Seq;
        lines.RemoveAt(victim);
        WriteLines(file, lines);
        var fault = _f.Verify().FirstFault;
        Assert.NotNull(fault);
        Assert.Contains($"record seq {seq} is missing", fault.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edited_record_is_caught_and_named()
    {
        var file = await WriteJournal();
        var lines = Lines(file);
        var victim = lines.FindIndex(l => l.Contains("Q00007", StringComparison.Ordinal));
        var seq = JournalLine.Parse(Encoding.UTF8.GetBytes(lines[victim]))!.Seq;
        lines[victim] = lines[victim].Replace("\"reply_code\":250", "\"reply_code\":550", StringComparison.Ordinal);
        WriteLines(file, lines);
        var fault = _f.Verify().FirstFault;
        Assert.NotNull(fault);
        Assert.Equal(seq, fault.Seq);
        Assert.Contains("altered", fault.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swapped_records_are_caught()
    {
        var file = await WriteJournal();
        var lines = Lines(file);
        var a = lines.FindIndex(l => l.Contains("Q00007", StringComparison.Ordinal));
        (lines[a], lines[a + 1]) = (lines[a + 1], lines[a]);
        WriteLines(file, lines);
        var fault = _f.Verify().FirstFault;
        Assert.NotNull(fault);
        Assert.Equal(a + 1, fault.Line);
    }

    [Fact]
    public async Task A_record_cut_in_the_middle_is_reported_as_torn()
    {
        var file = await WriteJournal();
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^40]);
        var fault = _f.Verify().FirstFault;
        Assert.NotNull(fault);
        Assert.Contains("torn", fault.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rotated_file_cut_short_is_caught()
    {
        using (var journal = _f.Open(_f.Options(checkpointEvery: 5, rotateAfterBytes: 64 * 1024)))
        {
            for (var i = 0; i < 800; i++)
            {
                journal.Append(JournalFixture.Accept(i));
            }
        }

        var files = MssGateway.Journal.JournalFiles.List(_f.InstanceDirectory);
        Assert.True(files.Count >= 3);
        Assert.True(_f.Verify().Ok, _f.Verify().FirstFault?.ToString());
        var lines = Lines(files[1]);
        WriteLines(files[1], lines.Take(lines.Count - 3)); // cut at a line boundary: whole records gone
        var fault = _f.Verify().FirstFault;
        Assert.NotNull(fault);
        Assert.Contains("cut short", fault.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_removed_file_is_caught_unless_retention_recorded_it()
    {
        using (var journal = _f.Open(_f.Options(checkpointEvery: 5, rotateAfterBytes: 64 * 1024)))
        {
            for (var i = 0; i < 800; i++)
            {
                journal.Append(JournalFixture.Accept(i));
            }
        }

        var files = MssGateway.Journal.JournalFiles.List(_f.InstanceDirectory);
        File.Delete(files[0]);
        var fault = _f.Verify().FirstFault;
        Assert.NotNull(fault);
        Assert.Contains("no retention record", fault.Reason, StringComparison.Ordinal);

        File.Delete(files[^1]);
        Assert.False(_f.Verify().Ok);
    }

    [Fact]
    public async Task A_removed_checkpoint_signature_is_caught()
    {
        var file = await WriteJournal();
        var lines = Lines(file);
        var cp = lines.FindIndex(l => l.Contains("\"kind\":\"checkpoint\"", StringComparison.Ordinal) && lines.IndexOf(l) > 3);
        lines[cp] = System.Text.RegularExpressions.Regex.Replace(lines[cp], ",\"signature\":\"[^\"]*\"", string.Empty);
        WriteLines(file, lines);
        var fault = _f.Verify().FirstFault;
        Assert.NotNull(fault);
        Assert.Contains("signature was removed", fault.Reason, StringComparison.Ordinal);
        Assert.Equal(cp + 1, fault.Line);
    }

    [Fact]
    public async Task A_journal_edited_then_rechained_and_re_signed_with_another_key_is_caught()
    {
        var file = await WriteJournal();
        using var forger = JournalSigner.Generate(_f.Combine("forger.key"));
        var prev = JournalFiles.Genesis;
        var forged = new List<string>();
        foreach (var line in Lines(file))
        {
            // The attacker rewrites one reply, recomputes every link after it and signs the checkpoints again.
            var r = JournalLine.Parse(Encoding.UTF8.GetBytes(line.Replace("\"reply_code\":451", "\"reply_code\":250", StringComparison.Ordinal)))!;
            r.Prev = prev;
            if (r.Kind == JournalRecordKind.Checkpoint)
            {
                r.KeyId = forger.KeyId;
                r.Signature = forger.Sign(r.Instance!, r.Seq, prev);
            }

            var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(r, JournalJsonContext.Default.JournalRecord);
            prev = JournalFiles.Hash(bytes);
            forged.Add(Encoding.UTF8.GetString(bytes));
        }

        WriteLines(file, forged);
        var fault = _f.Verify().FirstFault;
        Assert.NotNull(fault);
        Assert.Contains($"signed with key {forger.KeyId}, whose public key was not given", fault.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_torn_last_record_is_cut_off_at_start_and_the_journal_verifies_again()
    {
        var file = await WriteJournal();
        File.AppendAllText(file, "{\"seq\":999,\"kind\":\"acc");
        Assert.Contains("torn", _f.Verify().FirstFault!.Reason, StringComparison.Ordinal);
        using (var journal = _f.Open())
        {
            journal.Append(JournalFixture.Accept(500));
            await journal.StopAsync(CancellationToken.None);
        }

        var result = _f.Verify();
        Assert.True(result.Ok, result.FirstFault?.ToString());
        var text = File.ReadAllText(file);
        Assert.Contains("\"kind\":\"recovery\"", text, StringComparison.Ordinal);
        Assert.Contains("torn last record cut off", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restart_continues_the_chain()
    {
        await WriteJournal(5);
        await WriteJournal(5);
        var result = _f.Verify();
        Assert.True(result.Ok, result.FirstFault?.ToString());
    }

    [Fact]
    public async Task Retention_deletes_old_files_with_a_record_and_the_journal_still_verifies()
    {
        var options = _f.Options(checkpointEvery: 50, rotateAfterBytes: 64 * 1024);
        options.Retention = TimeSpan.FromDays(2);
        options.RotateAfter = TimeSpan.FromDays(1);
        using (var journal = _f.Open(options))
        {
            for (var i = 0; i < 600; i++)
            {
                journal.Append(JournalFixture.Accept(i));
            }

            var before = MssGateway.Journal.JournalFiles.List(_f.InstanceDirectory);
            foreach (var old in before.Take(2))
            {
                File.SetLastWriteTimeUtc(old, _f.Time.GetUtcNow().UtcDateTime - TimeSpan.FromDays(3));
            }

            await journal.TickAsync();
            var after = MssGateway.Journal.JournalFiles.List(_f.InstanceDirectory);
            Assert.Equal(before.Count - 2, after.Count);
            await journal.StopAsync(CancellationToken.None);
        }

        var result = _f.Verify();
        Assert.True(result.Ok, result.FirstFault?.ToString());
        Assert.Contains("\"kind\":\"retention\"", File.ReadAllText(MssGateway.Journal.JournalFiles.List(_f.InstanceDirectory)[^1]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_comes_after_the_interval_even_with_few_records()
    {
        using var journal = _f.Open(_f.Options(checkpointEvery: 1000));
        journal.Append(JournalFixture.Accept(1));
        _f.Time.Advance(TimeSpan.FromMinutes(2));
        await journal.TickAsync();
        var result = _f.Verify();
        Assert.True(result.Ok, result.FirstFault?.ToString());
        Assert.Equal(0, result.UnsignedTail);
    }

    [Fact]
    public async Task Concurrent_durable_appends_all_complete_in_one_chain()
    {
        using (var journal = _f.Open(_f.Options(checkpointEvery: 100)))
        {
            await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() => journal.AppendDurableAsync(JournalFixture.Accept(i), CancellationToken.None))));
            await journal.StopAsync(CancellationToken.None);
        }

        var result = _f.Verify();
        Assert.True(result.Ok, result.FirstFault?.ToString());
        var text = File.ReadAllText(MssGateway.Journal.JournalFiles.List(_f.InstanceDirectory)[0]);
        Assert.Equal(400, text.Split('\n').Count(l => l.Contains("\"kind\":\"accept\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Export_streams_the_records_as_written_between_two_times()
    {
        await WriteJournal(10);
        using var all = new MemoryStream();
        var n = await JournalExport.WriteAsync(_f.InstanceDirectory, all, null, null, CancellationToken.None);
        Assert.Equal(Lines(_f.InstanceDirectory + "/journal-000000000001.jsonl").Count, n);
        using var some = new MemoryStream();
        var from = new DateTimeOffset(2026, 12, 1, 8, 0, 5, TimeSpan.Zero);
        var m = await JournalExport.WriteAsync(_f.InstanceDirectory, some, from, from.AddSeconds(3), CancellationToken.None);
        Assert.Equal(3, m);
        Assert.All(Encoding.UTF8.GetString(some.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.NotNull(JournalLine.Parse(Encoding.UTF8.GetBytes(l))));
    }

    [Fact]
    public void The_options_validator_names_every_failing_key_and_its_fix()
    {
        var result = new JournalOptionsValidator().Validate(null, new JournalOptions { Enabled = true, CheckpointEveryRecords = 0, Retention = TimeSpan.FromHours(1) });
        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("Gateway:Journal:SigningKeyFile is not set", StringComparison.Ordinal) && f.Contains("openssl genpkey", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Journal:CheckpointEveryRecords", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Journal:Retention", StringComparison.Ordinal));
        Assert.True(new JournalOptionsValidator().Validate(null, new JournalOptions()).Succeeded);
    }
}
