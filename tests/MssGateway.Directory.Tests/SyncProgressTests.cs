using Microsoft.Extensions.Time.Testing;
using MssGateway.Directory.Tests.Fixtures;
using MssGateway.DirectorySync;
using MssGateway.Testing;

namespace MssGateway.Directory.Tests;

/// <summary>
/// Issue 15.6: an operator watching a long first sync sees it move — entries read and, when the size
/// of the source is known, a percentage (bytes of the flat file; LDAP against the server's estimate
/// or the live generation's count), on a terminal line and as metrics.
/// </summary>
public sealed class SyncProgressTests : IClassFixture<RedisFixture>, IDisposable
{
    private readonly RedisFixture _f;
    private readonly TempDirectory _dir = new("mssgw-progress");

    public SyncProgressTests(RedisFixture fixture)
    {
        _f = fixture;
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_flat_file_run_reports_a_rising_percentage_of_the_file_then_100()
    {
        var path = await WriteFileAsync("progress.txt", 20_000);
        // Every clock read moves one second on: each batch of entries reports.
        var time = new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromSeconds(1) };
        using var metrics = new DirectorySyncMetrics(time: time);
        var seen = new List<(long Entries, double? Fraction, bool Running, string Text)>();
        metrics.Progress.Reported += p => seen.Add((p.EntriesRead, p.Fraction, p.Running, p.Describe()));

        var result = await SyncHarness.RunAsync(_f.Connection, SyncHarness.FlatFileOptions(_f.Redis.Configuration, "prog", path), metrics);

        var during = seen.Where(s => s.Running).ToList();
        Assert.True(during.Count > 5, $"{during.Count} reports");
        Assert.All(during, s => Assert.True(s.Fraction is > 0 and < 1, s.Text));
        Assert.Equal(during.Select(s => s.Fraction), during.Select(s => s.Fraction).Order());
        Assert.Contains(during, s => s.Text.Contains(" MB)", StringComparison.Ordinal) && s.Text.Contains(" %", StringComparison.Ordinal));
        var last = seen[^1];
        Assert.False(last.Running);
        Assert.Equal(1, last.Fraction);
        Assert.Equal(result.Read, last.Entries);
        Assert.Equal("22,000 entries read, 100 %", last.Text);
    }

    [Fact]
    public void Progress_line_rewrites_one_terminal_line_and_ends_it()
    {
        var time = new FakeTimeProvider();
        var progress = new SyncProgress(time, TimeSpan.FromMilliseconds(500));
        using var terminal = new StringWriter();
        using var line = new ProgressLine(terminal, progress);
        long done = 0;
        progress.Begin("flatfile", "bytes", () => (done, 89_000_000));
        done = 40_050_000;
        progress.Add(100);
        Assert.Equal("", terminal.ToString());
        time.Advance(TimeSpan.FromMilliseconds(600));
        progress.Add(123_356);
        Assert.Equal("\rmssgw-directory-sync: flatfile 123,456 entries read, 45 % (40.1 of 89.0 MB)", terminal.ToString());
        progress.End(succeeded: true);
        Assert.EndsWith("\rmssgw-directory-sync: flatfile 123,456 entries read, 100 %" + new string(' ', "mssgw-directory-sync: flatfile 123,456 entries read, 45 % (40.1 of 89.0 MB)".Length - "mssgw-directory-sync: flatfile 123,456 entries read, 100 %".Length) + "\n", terminal.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_ldap_estimate_gives_a_percentage_that_stays_below_100_until_the_end()
    {
        var progress = new SyncProgress(new FakeTimeProvider());
        progress.Begin("ldap", "entries", () => (progress.EntriesRead, 1000));
        progress.Add(250);
        Assert.Equal(0.25, progress.Fraction);
        Assert.Equal("250 entries read, 25 % (of about 1,000)", progress.Describe());
        progress.Add(2000);
        Assert.Equal(0.999, progress.Fraction);
        progress.End(succeeded: false);
        Assert.Null(progress.Fraction);
    }

    [Fact]
    public void Without_a_total_only_the_entries_read_are_shown()
    {
        var progress = new SyncProgress(new FakeTimeProvider());
        progress.Begin("ldap", "entries", static () => null);
        progress.Add(42);
        Assert.Null(progress.Fraction);
        Assert.Equal("42 entries read (total unknown)", progress.Describe());
    }

    [Fact]
    public async Task Once_with_progress_prints_the_progress_line_on_stderr()
    {
        var path = await WriteFileAsync("progress-exe.txt", 3000);
        var options = SyncHarness.FlatFileOptions(_f.Redis.Configuration, "prog-exe", path);
        var r = await SyncHarness.RunExecutableAsync(SyncHarness.Environment(options), "--once", "--progress");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        Assert.Contains("\rmssgw-directory-sync: flatfile 3,300 entries read, 100 %", r.StdErr, StringComparison.Ordinal);
        Assert.EndsWith("\n", r.StdErr, StringComparison.Ordinal);
    }

    private async Task<string> WriteFileAsync(string name, int count)
    {
        var path = _dir.Combine(name);
        await using var w = new StreamWriter(path, false, new System.Text.UTF8Encoding(false));
        DirectoryDataGenerator.WriteFlatFile(w, count);
        return path;
    }
}
