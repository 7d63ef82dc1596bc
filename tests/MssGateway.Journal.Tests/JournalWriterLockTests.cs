using MssGateway.Testing;

namespace MssGateway.Journal.Tests;

/// <summary>
/// One writer per chain, by construction (issue 17): an instance directory is held by an exclusive
/// <c>flock(2)</c> while a journal writes it; a second writer is refused (the gateway) or waits its turn
/// (the queue CLI), and a writer killed with SIGKILL leaves no lock behind.
/// </summary>
public sealed class JournalWriterLockTests : IDisposable
{
    private readonly JournalFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void A_second_writer_on_the_same_instance_is_refused_naming_the_instance_the_holder_and_the_fix()
    {
        using var first = _f.Open();

        var refused = Assert.Throws<JournalInUseException>(() => _f.Open());

        Assert.Equal("mssgw-0", refused.Instance);
        Assert.Contains("the journal of instance 'mssgw-0'", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId} on host {Environment.MachineName}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:InstanceName", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_refused_writer_wrote_nothing_and_the_next_one_starts_once_the_first_is_gone()
    {
        using (var first = _f.Open())
        {
            first.Append(JournalFixture.Accept(1));
            Assert.Throws<JournalInUseException>(() => _f.Open());
            await first.StopAsync(CancellationToken.None);
        }

        using (var next = _f.Open())
        {
            next.Append(JournalFixture.Accept(2));
            await next.StopAsync(CancellationToken.None);
        }

        var result = _f.Verify();
        Assert.True(result.Ok, result.FirstFault?.ToString());
    }

    [Fact]
    public async Task A_waiting_writer_gets_the_instance_when_the_holder_finishes_and_gives_up_after_its_wait()
    {
        var first = _f.Open();
        var cli = new ExchangeJournal(_f.Options(), _f.Root, "mssgw-0", _f.Redactor, TimeProvider.System);
        var waiting = cli.OpenAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        first.Dispose();
        await waiting;
        cli.Append(JournalFixture.Accept(3));

        var late = new ExchangeJournal(_f.Options(), _f.Root, "mssgw-0", _f.Redactor, TimeProvider.System);
        var timedOut = await Assert.ThrowsAsync<JournalInUseException>(() => late.OpenAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None));
        Assert.Contains("still after", timedOut.Message, StringComparison.Ordinal);
        late.Dispose();
        await cli.StopAsync(CancellationToken.None);
        cli.Dispose();
        Assert.True(_f.Verify().Ok);
    }

    [Fact]
    public async Task The_lock_of_a_writer_killed_with_sigkill_is_released()
    {
        // A real process holds the instance with flock(2) (flock(1) makes the same call; -o: only flock itself
        // holds it, not the command it waits for), then dies of SIGKILL.
        var lockFile = Path.Combine(_f.InstanceDirectory, JournalWriterLock.FileName);
        System.IO.Directory.CreateDirectory(_f.InstanceDirectory);
        using var holder = System.Diagnostics.Process.Start("flock", ["-x", "-o", lockFile, "sleep", "300"]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (JournalWriterLock.TryAcquire(_f.InstanceDirectory, out _) is { } early)
        {
            early.Dispose(); // flock(1) has not taken it yet
            Assert.True(DateTime.UtcNow < deadline, "flock(1) did not take the lock");
            await Task.Delay(50);
        }

        Assert.Throws<JournalInUseException>(() => _f.Open());
        var sleeper = (await ExternalProcess.RunAsync("pgrep", "-P", holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).StdOut.Trim();
        (await ExternalProcess.RunAsync("kill", "-KILL", holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).EnsureSuccess("kill -KILL");
        await holder.WaitForExitAsync();
        if (sleeper.Length > 0)
        {
            await ExternalProcess.RunAsync("kill", "-KILL", sleeper); // the command flock(1) waited for, which never held the lock
        }

        using var next = _f.Open(); // at once: the kernel dropped the lock with the process
        next.Append(JournalFixture.Accept(1));
        await next.StopAsync(CancellationToken.None);
        Assert.True(_f.Verify().Ok);
    }

    [Fact]
    public void The_lock_file_is_not_a_journal_file_and_verify_ignores_it()
    {
        using (var journal = _f.Open())
        {
        }

        Assert.True(File.Exists(Path.Combine(_f.InstanceDirectory, JournalWriterLock.FileName)));
        Assert.DoesNotContain(JournalFiles.List(_f.InstanceDirectory), f => f.EndsWith(JournalWriterLock.FileName, StringComparison.Ordinal));
        Assert.True(_f.Verify().Ok);
    }
}
