using System.Text;
using Microsoft.Extensions.Time.Testing;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// Every way a DATA or BDAT transfer can end without a 250 releases it: spool/tmp is empty afterwards and
/// no file handle into it stays open (/proc/self/fd). The attacker's move this closes: a holder of a valid
/// card opening BDAT transfers and abandoning them (EHLO, STARTTLS, RSET, disconnect…) until the spool is
/// full and every client gets 452.
/// </summary>
public sealed class TransferAbortTests : IAsyncLifetime
{
    private const int MaxMessageSize = 256 * 1024;

    private readonly FakeTimeProvider _clock = new();
    private EngineHost _host = null!;

    public async Task InitializeAsync() => _host = await EngineHost.StartAsync(l => l.MaxMessageSize = MaxMessageSize, time: _clock);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<SmtpTestClient> OpenTransactionAsync(string sender = "a@example.test", int? port = null)
    {
        var c = await SmtpTestClient.ConnectAsync(port ?? _host.PlainPort);
        (await c.ReadReplyAsync()).AssertCode(220);
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
        (await c.CommandAsync($"MAIL FROM:<{sender}>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
        return c;
    }

    /// <summary>A BDAT transfer with one chunk received, larger than a write block: its temp file exists.</summary>
    private async Task<SmtpTestClient> OpenBdatTransferAsync(string sender = "a@example.test", int? port = null)
    {
        var c = await OpenTransactionAsync(sender, port);
        var chunk = "Subject: chunked\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('c', 998) + "\r\n", 70));
        await c.SendAsync($"BDAT {Encoding.ASCII.GetByteCount(chunk)}\r\n{chunk}");
        (await c.ReadReplyAsync()).AssertCode(250, "2.0.0");
        Assert.Single(_host.TempFiles());
        return c;
    }

    private async Task AssertReleasedAsync()
    {
        for (var i = 0; i < 200 && (_host.TempFiles().Length > 0 || _host.OpenTempHandles().Count > 0); i++)
        {
            await Task.Delay(25);
        }

        Assert.Empty(_host.TempFiles());
        Assert.Empty(_host.OpenTempHandles());
        Assert.Empty(_host.Hooks.Accepted);
    }

    [Fact]
    public async Task Rset_in_the_middle_of_bdat_releases_the_transfer()
    {
        await using var c = await OpenBdatTransferAsync();
        (await c.CommandAsync("RSET")).AssertCode(250);
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task Ehlo_in_the_middle_of_bdat_releases_the_transfer()
    {
        await using var c = await OpenBdatTransferAsync();
        (await c.CommandAsync("EHLO again.test")).AssertCode(250);
        await AssertReleasedAsync();
        (await c.CommandAsync("BDAT 4 LAST\r\nabc\r")).AssertCode(503, "5.5.1"); // the transaction is gone too
    }

    [Fact]
    public async Task Starttls_in_the_middle_of_bdat_releases_the_transfer()
    {
        await using var c = await OpenBdatTransferAsync(port: _host.OpportunisticPort);
        (await c.CommandAsync("STARTTLS")).AssertCode(220);
        await c.UpgradeAsync(await EngineHost.ClientCertificateAsync());
        await AssertReleasedAsync();
        (await c.CommandAsync("EHLO client.test")).AssertCode(250);
    }

    [Fact]
    public async Task Quit_in_the_middle_of_bdat_releases_the_transfer()
    {
        await using var c = await OpenBdatTransferAsync();
        (await c.CommandAsync("QUIT")).AssertCode(221);
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_timeout_in_the_middle_of_bdat_releases_the_transfer()
    {
        await using var c = await OpenBdatTransferAsync();
        var reply = c.ReadReplyAsync();
        await _clock.AdvanceUntilAsync(reply, TimeSpan.FromSeconds(30));
        (await reply).AssertCode(421, "4.4.2");
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_disconnect_in_the_middle_of_bdat_releases_the_transfer()
    {
        var c = await OpenBdatTransferAsync();
        await c.DisposeAsync();
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_disconnect_inside_a_bdat_chunk_releases_the_transfer()
    {
        var c = await OpenBdatTransferAsync();
        await c.SendAsync("BDAT 1000\r\nonly part of the chunk");
        await c.DisposeAsync();
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_storage_error_during_bdat_releases_the_transfer()
    {
        await using var c = await OpenTransactionAsync(sender: "ioerror@example.test");
        (await c.CommandAsync("BDAT 10 LAST\r\n0123456789")).AssertCode(451, "4.3.0");
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_bug_in_the_product_writer_during_bdat_releases_the_transfer()
    {
        await using var c = await OpenTransactionAsync(sender: "crash@example.test");
        (await c.CommandAsync("BDAT 10 LAST\r\n0123456789")).AssertCode(451, "4.3.0");
        Assert.True(await c.IsClosedByServerAsync());
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_bdat_message_over_the_size_limit_releases_the_transfer()
    {
        await using var c = await OpenBdatTransferAsync();
        var big = new string('x', MaxMessageSize);
        await c.SendAsync($"BDAT {big.Length}\r\n{big}");
        (await c.ReadReplyAsync()).AssertCode(552, "5.3.4");
        (await c.CommandAsync("BDAT 0 LAST")).AssertCode(552, "5.3.4");
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_timeout_inside_data_releases_the_transfer()
    {
        await using var c = await OpenTransactionAsync();
        (await c.CommandAsync("DATA")).AssertCode(354);
        await c.SendAsync("Subject: half\r\n\r\nno end");
        var reply = c.ReadReplyAsync();
        await _clock.AdvanceUntilAsync(reply, TimeSpan.FromSeconds(20));
        (await reply).AssertCode(421, "4.4.2");
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_disconnect_inside_data_releases_the_transfer()
    {
        var c = await OpenTransactionAsync();
        (await c.CommandAsync("DATA")).AssertCode(354);
        await c.SendAsync("Subject: half\r\n\r\nno end");
        await c.DisposeAsync();
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_storage_error_during_data_releases_the_transfer()
    {
        await using var c = await OpenTransactionAsync(sender: "ioerror@example.test");
        (await c.CommandAsync("DATA")).AssertCode(354);
        (await c.CommandAsync("Subject: s\r\n\r\nbody\r\n.")).AssertCode(451, "4.3.0");
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_bug_in_the_product_writer_during_data_releases_the_transfer()
    {
        await using var c = await OpenTransactionAsync(sender: "crash@example.test");
        (await c.CommandAsync("DATA")).AssertCode(354);
        (await c.CommandAsync("Subject: s\r\n\r\nbody\r\n.")).AssertCode(451, "4.3.0");
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_data_message_over_the_size_limit_releases_the_transfer()
    {
        await using var c = await OpenTransactionAsync();
        (await c.CommandAsync("DATA")).AssertCode(354);
        var line = new string('x', 900) + "\r\n";
        await c.SendAsync(string.Concat(Enumerable.Repeat(line, MaxMessageSize / 900 + 10)) + ".\r\n");
        (await c.ReadReplyAsync()).AssertCode(552, "5.3.4");
        await AssertReleasedAsync();
    }

    [Fact]
    public async Task A_bdat_chunk_smaller_than_a_write_block_touches_no_file_and_its_abort_has_nothing_to_remove()
    {
        // The attacker's loop of bdat.py: a 30 KB chunk with a valid card, then RSET, again and again.
        // Before a block is full nothing reaches the disk, so the loop costs the spool no file and no inode.
        await using var c = await OpenTransactionAsync();
        var chunk = "Subject: small\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('y', 998) + "\r\n", 30));
        await c.SendAsync($"BDAT {Encoding.ASCII.GetByteCount(chunk)}\r\n{chunk}");
        (await c.ReadReplyAsync()).AssertCode(250, "2.0.0");
        Assert.Empty(_host.TempFiles());
        Assert.Empty(_host.OpenTempHandles());
        (await c.CommandAsync("RSET")).AssertCode(250);
        await AssertReleasedAsync();

        // The same transfer taken to its end is stored whole.
        (await c.CommandAsync("MAIL FROM:<a@example.test>")).AssertCode(250);
        (await c.CommandAsync("RCPT TO:<b@example.test>")).AssertCode(250);
        await c.SendAsync($"BDAT {Encoding.ASCII.GetByteCount(chunk)}\r\n{chunk}");
        (await c.ReadReplyAsync()).AssertCode(250, "2.0.0");
        (await c.CommandAsync("BDAT 0 LAST")).AssertCode(250);
        var id = Assert.Single(_host.Hooks.Accepted);
        Assert.Contains(chunk, await File.ReadAllTextAsync(_host.Spool.PathOf(Spool.SpoolState.Incoming, id)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_transfer_trickling_holds_no_temp_file_until_a_block_has_arrived()
    {
        // A slowloris inside DATA: the message's writer exists from the 354 on (the spool opened the
        // message then), but its file is only created with the first full block.
        await using var c = await OpenTransactionAsync();
        (await c.CommandAsync("DATA")).AssertCode(354);
        Assert.Empty(_host.TempFiles());
        Assert.Empty(_host.OpenTempHandles());
        await c.SendAsync("Subject: slow\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('s', 998) + "\r\n", 70)));
        for (var i = 0; i < 200 && _host.TempFiles().Length == 0; i++)
        {
            await Task.Delay(25);
        }

        Assert.Single(_host.TempFiles()); // 70 KB: one block written
        (await c.CommandAsync(".")).AssertCode(250);
    }

    [Fact]
    public async Task Repeated_abandoned_transfers_leave_nothing_behind()
    {
        for (var i = 0; i < 20; i++)
        {
            await using var c = await OpenBdatTransferAsync();
            (await c.CommandAsync(i % 2 == 0 ? "EHLO again.test" : "RSET")).AssertCode(250);
        }

        await AssertReleasedAsync();
    }
}
