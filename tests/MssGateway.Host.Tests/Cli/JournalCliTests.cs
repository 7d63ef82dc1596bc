using MssGateway.Directory;
using MssGateway.Journal;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Cli;

/// <summary><c>mssgw journal verify|export</c>: exit 0 on an intact journal, 1 naming the first bad record, JSON lines out.</summary>
public sealed class JournalCliTests : IDisposable
{
    private readonly TempDirectory _dir = new("mssgw-journal-cli");

    public void Dispose() => _dir.Dispose();

    private async Task<string> WriteAsync()
    {
        using (JournalSigner.Generate(_dir.Combine("journal.key")))
        {
        }

        var options = new JournalOptions { Enabled = true, SigningKeyFile = _dir.Combine("journal.key"), CheckpointEveryRecords = 4 };
        using var journal = new ExchangeJournal(options, _dir.Combine("journal"), "mssgw-0", AddressRedactor.Clear);
        journal.Open();
        for (var i = 0; i < 10; i++)
        {
            await journal.AppendDurableAsync(new JournalRecord { Kind = JournalRecordKind.Accept, QueueId = $"0000000000Q{i:D5}", Sender = "a@b.test", ReplyCode = 250 }, CancellationToken.None);
        }

        await journal.StopAsync(CancellationToken.None);
        return journal.CurrentFile;
    }

    [Fact]
    public async Task Verify_exits_0_on_an_intact_journal_and_1_naming_the_edited_record()
    {
        var file = await WriteAsync();
        var ok = await Mssgw.RunAsync(["journal", "verify", "--journal", _dir.Combine("journal"), "--public-key", _dir.Combine("journal.key")], null, null);
        Assert.True(ok.ExitCode == 0, ok.StdOut + ok.StdErr);
        Assert.Contains(": OK, ", ok.StdOut, StringComparison.Ordinal);

        var lines = (await File.ReadAllLinesAsync(file)).ToList();
        var i = lines.FindIndex(l => l.Contains("Q00004", StringComparison.Ordinal));
        lines[i] = lines[i].Replace("\"reply_code\":250", "\"reply_code\":550", StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, string.Concat(lines.Select(l => l + "\n")));
        var bad = await Mssgw.RunAsync(["journal", "verify", "--journal", _dir.Combine("journal"), "--public-key", _dir.Combine("journal.key")], null, null);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains($"FAILED at journal-000000000001.jsonl line {i + 1}", bad.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_without_a_key_says_which_to_give_and_export_prints_json_lines()
    {
        await WriteAsync();
        var noKey = await Mssgw.RunAsync(["journal", "verify", "--journal", _dir.Combine("journal")], null, null);
        Assert.Equal(2, noKey.ExitCode);
        Assert.Contains("--public-key", noKey.StdErr, StringComparison.Ordinal);

        var export = await Mssgw.RunAsync(["journal", "export", "--journal", _dir.Combine("journal")], null, null);
        Assert.Equal(0, export.ExitCode);
        var lines = export.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, lines.Count(l => l.Contains("\"kind\":\"accept\"", StringComparison.Ordinal)));
        Assert.All(lines, l => Assert.StartsWith("{\"seq\":", l, StringComparison.Ordinal));
    }
}
