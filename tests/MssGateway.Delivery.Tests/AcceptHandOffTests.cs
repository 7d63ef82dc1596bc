using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MssGateway.Spool;
using MssGateway.Spool.Encryption;
using MssGateway.Testing;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// The accept path hands delivery the message it has just committed (issue 13e, CPU per message): the
/// envelope it wrote and its file's stamp (<see cref="SpoolMessageWriter.Committed"/>), so classification
/// reads nothing back from disk. The hand-off is trusted only while the file is that version: the pass's
/// <see cref="MessageSpool.Reopen"/> compares inode, length and time, and anything that replaced the file —
/// even with the same length and time — is read and checked again. Reading a spool file never follows a
/// symbolic link and never blocks on a FIFO planted under a queue id.
/// </summary>
public sealed class AcceptHandOffTests : IDisposable
{
    private readonly TempDirectory _dir = new("mssgw-handoff");

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string?> InternalHop(TestSmtpServer server) => new()
    {
        ["Gateway:Delivery:InternalNextHop:Port"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// A started scheduler with no safety-net scan meanwhile: one that lists a file between its commit and
    /// its hand-off reads it (harmless, but counted by these tests).
    /// </summary>
    private static async Task<DeliveryHarness> StartWithoutScansAsync(TestSmtpServer server)
    {
        var settings = InternalHop(server);
        settings["Gateway:Delivery:PollInterval"] = "00:10:00";
        var h = new DeliveryHarness(settings);
        await h.StartAsync();
        await h.Scheduler.Ready;
        return h;
    }

    private static async Task<SpoolMessageWriter> CommitAsync(MessageSpool spool, string content, string recipient, DateTimeOffset? receivedAt = null)
    {
        var w = spool.BeginMessage();
        var bytes = Encoding.ASCII.GetBytes(content);
        await w.WriteAsync(bytes, CancellationToken.None);
        await w.CommitAsync(
            new SpoolEnvelope
            {
                QueueId = w.QueueId,
                ReceivedAt = receivedAt ?? DateTimeOffset.UtcNow,
                Sender = "dr.house@hopital-a.test",
                Recipients = [new SpoolRecipient { Address = recipient, Notify = "FAILURE", OriginalRecipient = "rfc822;" + recipient }],
                ContentLength = bytes.Length,
                Body = "8BITMIME",
                DsnEnvelopeId = "env-1",
                HeloName = "client.hopital-a.test",
                PrependHeaders = "Received: by gateway\r\n",
                SkipRanges = [new SpoolByteRange(0, 3)],
            },
            CancellationToken.None);
        return w;
    }

    /// <summary>Another message's file rewritten under <paramref name="id"/> (restored, or made by hand), outside the spool; the other is removed.</summary>
    private async Task<string> ForgeAsync(MessageSpool spool, string otherId, string id)
    {
        var otherPath = spool.PathOf(SpoolState.Incoming, otherId);
        var text = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(otherPath)).Replace(otherId, id, StringComparison.Ordinal);
        File.Delete(otherPath);
        var forged = _dir.Combine("forged-" + id);
        await File.WriteAllBytesAsync(forged, Encoding.Latin1.GetBytes(text));
        return forged;
    }

    private static string Json(SpoolEnvelope e) => JsonSerializer.Serialize(e, SpoolJsonContext.Default.SpoolEnvelope);

    [Fact]
    public async Task The_committed_message_is_what_the_file_holds_envelope_length_and_stamp()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        await using var w = await CommitAsync(spool, "XYZSubject: a\r\n\r\nbody\r\n", "a@hopital-a.test");
        var committed = Assert.IsType<SpoolMessage>(w.Committed);

        var read = spool.Open(SpoolState.Incoming, w.QueueId);
        Assert.Equal(Json(read.Envelope), Json(committed.Envelope)); // every field, as the disk has it
        Assert.Equal(read.ContentLength, committed.ContentLength);
        Assert.Equal(read.Stamp, committed.Stamp); // inode, length and time survive the rename into incoming/
        Assert.NotEqual(0UL, committed.Stamp!.Value.Inode);
        Assert.Equal(spool.PathOf(SpoolState.Incoming, w.QueueId), committed.Path);
    }

    [Fact]
    public async Task A_sealed_commit_hands_nothing_over_so_every_pass_authenticates_the_file()
    {
        var key = SpoolKey.FromBytes(RandomNumberGenerator.GetBytes(32), "key1");
        var spool = new MessageSpool(_dir.Combine("spool"), SpoolSyncMode.GroupCommit, new SpoolEncryption(new SpoolKeyRing(key), sealNewFiles: true));
        await using var w = await CommitAsync(spool, "Subject: a\r\n\r\nbody\r\n", "a@hopital-a.test");
        Assert.Null(w.Committed);
    }

    [Fact]
    public async Task Nothing_is_handed_over_before_the_commit_nor_when_it_fails()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        await using var w = spool.BeginMessage();
        await w.WriteAsync(Encoding.ASCII.GetBytes("Subject: a\r\n\r\nbody\r\n"), CancellationToken.None);
        Assert.Null(w.Committed);
        var wrongId = new SpoolEnvelope { QueueId = QueueId.New(), ReceivedAt = DateTimeOffset.UtcNow, Sender = "a@hopital-a.test", Recipients = [] };
        await Assert.ThrowsAsync<ArgumentException>(() => w.CommitAsync(wrongId, CancellationToken.None));
        Assert.Null(w.Committed);
    }

    [Fact]
    public async Task Handed_over_messages_are_delivered_without_one_envelope_read_back_from_disk()
    {
        await using var server = new TestSmtpServer();
        await using var h = await StartWithoutScansAsync(server);
        for (var i = 0; i < 20; i++)
        {
            await h.SubmitHandedOffAsync($"Subject: {i}\r\n\r\nbody {i}\r\n", ["dr.durand@hopital-a.test"]);
        }

        await h.WaitAsync(() => server.Transactions.Count == 20 && h.SpoolIsEmpty(), "20 deliveries");
        Assert.Equal(0, h.Spool.EnvelopesRead);

        // The control: the same message signalled by its id alone is read from disk.
        await h.SubmitAsync("Subject: id only\r\n\r\nbody\r\n", ["dr.durand@hopital-a.test"]);
        await h.WaitAsync(() => server.Transactions.Count == 21 && h.SpoolIsEmpty(), "the 21st delivery");
        Assert.True(h.Spool.EnvelopesRead >= 1);
    }

    [Fact]
    public async Task A_handed_over_message_is_claimed_before_the_accept_path_gets_its_thread_back()
    {
        await using var server = new TestSmtpServer();
        await using var h = await StartWithoutScansAsync(server);

        // Classified and dispatched on the caller's thread: no hop through a classifier nor the dispatcher's loop.
        var handed = await h.SubmitHandedOffAsync("Subject: now\r\n\r\nbody\r\n", ["dr.durand@hopital-a.test"]);
        Assert.NotEqual(SpoolState.Incoming, h.Spool.Locate(handed.Envelope.QueueId));

        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "delivery");
    }

    [Fact]
    public async Task A_file_replaced_after_the_hand_off_goes_out_as_the_disk_says_never_as_handed_over()
    {
        await using var server = new TestSmtpServer();
        await using var h = new DeliveryHarness(InternalHop(server));
        var handed = await h.SubmitHandedOffAsync("Subject: first\r\n\r\nthe first body\r\n", ["first@hopital-a.test"]);
        h.Scheduler.Notify(handed); // before the scheduler runs: waits in its intake with the hand-off
        await using (var other = await CommitAsync(h.Spool, "Subject: second\r\n\r\nanother body, longer\r\n", "second@hopital-a.test"))
        {
            // The same message id, another file (restored, rewritten by hand): a new inode, another length.
            File.Move(await ForgeAsync(h.Spool, other.QueueId, handed.Envelope.QueueId), handed.Path, overwrite: true);
        }

        await h.StartAsync();
        await h.WaitAsync(() => server.Transactions.Count == 1 && h.SpoolIsEmpty(), "delivery");

        var got = Assert.Single(server.Transactions);
        Assert.Equal(["second@hopital-a.test"], got.RcptTo.Select(r => r[(r.IndexOf('<') + 1)..r.IndexOf('>')]));
        Assert.Contains("another body, longer", got.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("the first body", got.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replacement_of_the_same_length_and_time_is_told_apart_by_its_inode()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var at = DateTimeOffset.UtcNow;
        await using var original = await CommitAsync(spool, "XYZSubject: a\r\n\r\nbody\r\n", "aaaa@hopital-a.test", at);
        await using var forged = await CommitAsync(spool, "XYZSubject: b\r\n\r\nBODY\r\n", "zzzz@hopital-a.test", at);
        var path = spool.PathOf(SpoolState.Incoming, original.QueueId);
        var forgedPath = await ForgeAsync(spool, forged.QueueId, original.QueueId);
        Assert.Equal(new FileInfo(path).Length, new FileInfo(forgedPath).Length);
        File.SetLastWriteTimeUtc(forgedPath, File.GetLastWriteTimeUtc(path));
        File.Move(forgedPath, path, overwrite: true); // same name, same length, same time: only the inode differs

        Assert.True(spool.Claim(original.QueueId, SpoolState.Incoming));
        using var pass = spool.Reopen(original.Committed!, SpoolState.Active);
        Assert.NotSame(original.Committed!.Envelope, pass.Envelope);
        Assert.Equal("zzzz@hopital-a.test", Assert.Single(pass.Envelope.Recipients).Address);
    }

    [Fact]
    public async Task An_unchanged_file_is_reopened_with_the_handed_over_envelope()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        await using var w = await CommitAsync(spool, "XYZSubject: a\r\n\r\nbody\r\n", "a@hopital-a.test");
        Assert.True(spool.Claim(w.QueueId, SpoolState.Incoming));
        var before = spool.EnvelopesRead;

        using var pass = spool.Reopen(w.Committed!, SpoolState.Active);
        Assert.Same(w.Committed!.Envelope, pass.Envelope);
        Assert.Equal(before, spool.EnvelopesRead);
        using var reader = new StreamReader(pass.OpenForDelivery(), Encoding.ASCII);
        Assert.Equal("Received: by gateway\r\nSubject: a\r\n\r\nbody\r\n", await reader.ReadToEndAsync()); // the skipped range is left out
    }

    [Fact]
    public async Task A_file_whose_envelope_names_another_message_is_invalid_so_the_pass_sets_it_aside()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        await using var victim = await CommitAsync(spool, "Subject: a\r\n\r\nbody\r\n", "a@hopital-a.test");
        await using var copied = await CommitAsync(spool, "Subject: b\r\n\r\nbody\r\n", "b@hopital-a.test");
        // Copied under the victim's name: delivering it would report and delete the other id, and leave this file behind.
        File.Copy(spool.PathOf(SpoolState.Incoming, copied.QueueId), spool.PathOf(SpoolState.Incoming, victim.QueueId), overwrite: true);

        var ex = Assert.Throws<InvalidDataException>(() => spool.Open(SpoolState.Incoming, victim.QueueId));
        Assert.Contains("names another message", ex.Message, StringComparison.Ordinal);
        Assert.True(spool.Claim(victim.QueueId, SpoolState.Incoming));
        Assert.Throws<InvalidDataException>(() => spool.Reopen(victim.Committed!, SpoolState.Active)); // the hand-off does not cover it either
    }

    [Fact]
    public async Task A_symbolic_link_under_a_queue_id_is_never_followed()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        await using var w = await CommitAsync(spool, "Subject: a\r\n\r\nbody\r\n", "a@hopital-a.test");
        // A valid message file outside the spool, linked in under a fresh queue id.
        var outside = _dir.Combine("outside");
        File.Move(spool.PathOf(SpoolState.Incoming, w.QueueId), outside);
        File.CreateSymbolicLink(spool.PathOf(SpoolState.Incoming, w.QueueId), outside);

        var ex = Assert.Throws<InvalidDataException>(() => spool.Open(SpoolState.Incoming, w.QueueId));
        Assert.Contains("symbolic link", ex.Message, StringComparison.Ordinal);
        Assert.True(spool.Claim(w.QueueId, SpoolState.Incoming));
        Assert.Throws<InvalidDataException>(() => spool.Reopen(w.Committed!, SpoolState.Active)); // nor by the pass with a hand-off
    }

    [Fact]
    public async Task A_fifo_under_a_queue_id_is_refused_without_blocking_the_reader()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = QueueId.New();
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [spool.PathOf(SpoolState.Incoming, id)]))!)
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // A blocking open would wait for a writer for ever: the guard turns that regression into a failure.
        var open = Task.Run(() => spool.Open(SpoolState.Incoming, id));
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => open.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("not a regular file", ex.Message, StringComparison.Ordinal);
    }
}
