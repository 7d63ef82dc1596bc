using System.Security.Cryptography;
using System.Text;
using MssGateway.Spool;
using MssGateway.Spool.Encryption;
using MssGateway.Testing;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// The delivery pass reuses the envelope its classification read (issue 13, CPU per message) only while
/// the file is the one that was read: <see cref="MessageSpool.Reopen"/>. Whatever changed the file in
/// between — replaced under the same name, cut short, deferred (its time set), sealed — the envelope is
/// read and checked again, so a stale envelope never goes on the wire and a damaged file is still set aside.
/// </summary>
public sealed class EnvelopeReuseTests : IDisposable
{
    private readonly TempDirectory _dir = new("mssgw-reuse");

    public void Dispose() => _dir.Dispose();

    private static async Task<string> AcceptAsync(MessageSpool spool, string content, string recipient)
    {
        await using var w = spool.BeginMessage();
        var bytes = Encoding.ASCII.GetBytes(content);
        await w.WriteAsync(bytes, CancellationToken.None);
        await w.CommitAsync(
            new SpoolEnvelope
            {
                QueueId = w.QueueId,
                ReceivedAt = DateTimeOffset.UtcNow,
                Sender = "dr.house@hopital-a.mssante.test",
                Recipients = [new SpoolRecipient { Address = recipient }],
                ContentLength = bytes.Length,
                PrependHeaders = "Received: by gateway\r\n",
            },
            CancellationToken.None);
        return w.QueueId;
    }

    private static string ReadDelivered(SpoolMessage message)
    {
        using var reader = new StreamReader(message.OpenForDelivery(), Encoding.ASCII);
        return reader.ReadToEnd();
    }

    [Fact]
    public async Task An_unchanged_file_is_reopened_with_the_envelope_already_read_and_its_content_from_one_handle()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await AcceptAsync(spool, "Subject: a\r\n\r\nbody\r\n", "a@hopital-b.mssante.test");
        var classified = spool.Open(SpoolState.Incoming, id);
        Assert.True(classified.Reusable);
        Assert.True(spool.Claim(id, SpoolState.Incoming)); // the rename into active/ keeps the file as it was

        using var pass = spool.Reopen(classified, SpoolState.Active);
        Assert.Same(classified.Envelope, pass.Envelope); // not parsed again
        Assert.Equal(spool.PathOf(SpoolState.Active, id), pass.Path);
        Assert.Equal("Received: by gateway\r\nSubject: a\r\n\r\nbody\r\n", ReadDelivered(pass));
        Assert.Equal("Received: by gateway\r\nSubject: a\r\n\r\nbody\r\n", ReadDelivered(pass)); // and again (a DSN's copy)
    }

    [Fact]
    public async Task A_file_replaced_under_the_same_name_after_classification_is_sent_with_its_new_envelope()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await AcceptAsync(spool, "Subject: a\r\n\r\nbody\r\n", "first@hopital-b.mssante.test");
        var classified = spool.Open(SpoolState.Incoming, id);
        var other = await AcceptAsync(spool, "Subject: b\r\n\r\nanother body\r\n", "second@hopital-c.mssante.test");
        // Another file under this message's name and id (a file whose envelope names another message is set aside: AcceptHandOffTests).
        var otherPath = spool.PathOf(SpoolState.Incoming, other);
        var replacement = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(otherPath)).Replace(other, id, StringComparison.Ordinal);
        File.Delete(otherPath);
        await File.WriteAllBytesAsync(_dir.Combine("replacement"), Encoding.Latin1.GetBytes(replacement));
        File.Move(_dir.Combine("replacement"), spool.PathOf(SpoolState.Incoming, id), overwrite: true);
        Assert.True(spool.Claim(id, SpoolState.Incoming));

        using var pass = spool.Reopen(classified, SpoolState.Active);
        Assert.NotSame(classified.Envelope, pass.Envelope);
        Assert.Equal("second@hopital-c.mssante.test", Assert.Single(pass.Envelope.Recipients).Address);
        Assert.Equal("Received: by gateway\r\nSubject: b\r\n\r\nanother body\r\n", ReadDelivered(pass));
    }

    [Fact]
    public async Task A_file_of_the_same_length_whose_time_changed_is_read_again()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await AcceptAsync(spool, "Subject: a\r\n\r\nbody\r\n", "a@hopital-b.mssante.test");
        var classified = spool.Open(SpoolState.Incoming, id);
        var path = spool.PathOf(SpoolState.Incoming, id);
        // Same length, one recipient letter changed inside the envelope: only the time tells the versions apart.
        var bytes = await File.ReadAllBytesAsync(path);
        var at = Encoding.ASCII.GetString(bytes).IndexOf("a@hopital-b", StringComparison.Ordinal);
        bytes[at] = (byte)'z';
        await File.WriteAllBytesAsync(path, bytes);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(5)); // as a deferral sets it
        Assert.True(spool.Claim(id, SpoolState.Incoming));

        using var pass = spool.Reopen(classified, SpoolState.Active);
        Assert.Equal("z@hopital-b.mssante.test", Assert.Single(pass.Envelope.Recipients).Address);
    }

    [Fact]
    public async Task A_file_cut_short_after_classification_fails_as_invalid_data_so_the_pass_sets_it_aside()
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await AcceptAsync(spool, "Subject: a\r\n\r\nbody\r\n", "a@hopital-b.mssante.test");
        var classified = spool.Open(SpoolState.Incoming, id);
        var path = spool.PathOf(SpoolState.Incoming, id);
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            f.SetLength(f.Length - 10); // the footer is gone
        }

        Assert.True(spool.Claim(id, SpoolState.Incoming));
        Assert.Throws<InvalidDataException>(() => spool.Reopen(classified, SpoolState.Active));
    }

    [Fact]
    public async Task A_sealed_file_is_never_reused_and_an_alteration_after_classification_is_caught_before_sending()
    {
        var key = SpoolKey.FromBytes(RandomNumberGenerator.GetBytes(32), "key1");
        var spool = new MessageSpool(_dir.Combine("spool"), SpoolSyncMode.GroupCommit, new SpoolEncryption(new SpoolKeyRing(key), sealNewFiles: true));
        var id = await AcceptAsync(spool, "Subject: a\r\n\r\nbody\r\n", "a@hopital-b.mssante.test");
        var classified = spool.Open(SpoolState.Incoming, id);
        Assert.False(classified.Reusable); // every pass authenticates a sealed file whole, as Open does

        var path = spool.PathOf(SpoolState.Incoming, id);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x04;
        await File.WriteAllBytesAsync(path, bytes);
        Assert.True(spool.Claim(id, SpoolState.Incoming));
        var ex = Assert.Throws<InvalidDataException>(() => spool.Reopen(classified, SpoolState.Active));
        Assert.IsType<SpoolDecryptionException>(ex.InnerException);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_message_held_open_for_a_pass_closes_its_file_when_disposed(bool envelopeKnown)
    {
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await AcceptAsync(spool, "Subject: a\r\n\r\nbody\r\n", "a@hopital-b.mssante.test");
        var pass = envelopeKnown ? spool.Reopen(spool.Open(SpoolState.Incoming, id), SpoolState.Incoming) : spool.OpenHeld(SpoolState.Incoming, id);
        using var content = pass.OpenContent();
        pass.Dispose();
        Assert.Throws<ObjectDisposedException>(() => content.ReadByte());
    }

    [Fact]
    public async Task A_message_opened_for_a_pass_without_a_known_envelope_sends_the_file_it_read_even_when_another_replaces_it()
    {
        // A message released from a parked queue has no envelope in memory: the pass reads it, and every later
        // read of the pass (header scan, transaction, DSN copy) must be of that same file — not of whatever was
        // put under its name after its envelope was checked (a swap between the two reads would send one file's
        // content under another's envelope).
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await AcceptAsync(spool, "Subject: a\r\n\r\nbody\r\n", "first@hopital-b.mssante.test");
        var other = await AcceptAsync(spool, "Subject: b\r\n\r\nanother body\r\n", "second@hopital-c.mssante.test");
        Assert.True(spool.Claim(id, SpoolState.Incoming));

        using var pass = spool.OpenHeld(SpoolState.Active, id);
        Assert.True(pass.Reusable);
        var otherPath = spool.PathOf(SpoolState.Incoming, other);
        var replacement = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(otherPath)).Replace(other, id, StringComparison.Ordinal);
        await File.WriteAllBytesAsync(_dir.Combine("replacement"), Encoding.Latin1.GetBytes(replacement));
        File.Move(_dir.Combine("replacement"), spool.PathOf(SpoolState.Active, id), overwrite: true);

        Assert.Equal("first@hopital-b.mssante.test", Assert.Single(pass.Envelope.Recipients).Address);
        Assert.Equal("Received: by gateway\r\nSubject: a\r\n\r\nbody\r\n", ReadDelivered(pass));
        Assert.Equal("Received: by gateway\r\nSubject: a\r\n\r\nbody\r\n", ReadDelivered(pass)); // and again (a DSN's copy)
    }

    [Fact]
    public async Task A_sealed_file_opened_for_a_pass_is_authenticated_whole_before_its_envelope_is_used()
    {
        var key = SpoolKey.FromBytes(RandomNumberGenerator.GetBytes(32), "key1");
        var spool = new MessageSpool(_dir.Combine("spool"), SpoolSyncMode.GroupCommit, new SpoolEncryption(new SpoolKeyRing(key), sealNewFiles: true));
        var id = await AcceptAsync(spool, "Subject: a\r\n\r\nbody\r\n", "a@hopital-b.mssante.test");
        var good = await AcceptAsync(spool, "Subject: b\r\n\r\nbody\r\n", "b@hopital-b.mssante.test");
        using (var pass = spool.OpenHeld(SpoolState.Incoming, good))
        {
            Assert.False(pass.Reusable);
            Assert.Equal("Received: by gateway\r\nSubject: b\r\n\r\nbody\r\n", ReadDelivered(pass));
        }

        var path = spool.PathOf(SpoolState.Incoming, id);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length - 40] ^= 0x01; // near the end: the envelope and the footer, read last
        await File.WriteAllBytesAsync(path, bytes);
        var ex = Assert.Throws<InvalidDataException>(() => spool.OpenHeld(SpoolState.Incoming, id));
        Assert.IsType<SpoolDecryptionException>(ex.InnerException);
    }

    [Fact]
    public async Task A_symbolic_link_put_under_a_message_name_after_its_envelope_was_read_is_not_followed_by_a_later_read()
    {
        // Open (the queue CLI's view) reads the content by name at each read: every one of them opens as the spool
        // does (O_NOFOLLOW, a regular file only), so a link planted meanwhile reads nothing it points at.
        var spool = new MessageSpool(_dir.Combine("spool"));
        var id = await AcceptAsync(spool, "Subject: a\r\n\r\nbody\r\n", "a@hopital-b.mssante.test");
        var message = spool.Open(SpoolState.Incoming, id);
        var secret = _dir.Combine("secret");
        await File.WriteAllTextAsync(secret, "Subject: not for the wire\r\n\r\nsecret\r\n");
        var path = spool.PathOf(SpoolState.Incoming, id);
        File.Delete(path);
        File.CreateSymbolicLink(path, secret);

        Assert.Throws<InvalidDataException>(() => ReadDelivered(message));
    }
}
