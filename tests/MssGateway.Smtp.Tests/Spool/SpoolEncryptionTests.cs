using System.Security.Cryptography;
using System.Text;
using MssGateway.Spool;
using MssGateway.Spool.Encryption;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// The encrypted spool (issue 17 point 1): every file sealed with AES-256-GCM in 64 KiB chunks under a
/// fresh data key wrapped by the key-encryption key; an attacker with the disk but not the key reads
/// nothing, and one who edits it (a bit, a cut, chunks moved, a header from elsewhere) gets the
/// message set aside, never delivered altered.
/// </summary>
public sealed class SpoolEncryptionTests : IDisposable
{
    private const string Marker = "PATIENT-MARKER-7f3a9c";
    private const int Chunk = 65536;
    private const int SealedChunk = Chunk + 16;
    private readonly TempDirectory _dir = new("mssgw-crypt");
    private readonly SpoolKey _key1 = SpoolKey.FromBytes(RandomNumberGenerator.GetBytes(32), "key1");
    private readonly SpoolKey _key2 = SpoolKey.FromBytes(RandomNumberGenerator.GetBytes(32), "key2");

    public void Dispose() => _dir.Dispose();

    private MessageSpool Spool(SpoolKey? current, params SpoolKey[] previous) =>
        new(_dir.Combine("spool"), SpoolSyncMode.GroupCommit, current is null ? null : new SpoolEncryption(new SpoolKeyRing(current, previous), sealNewFiles: true));

    private static string Body(int lines) =>
        $"From: <dr.house@hopital-a.mssante.test>\r\nTo: <patient.care@hopital-b.mssante.test>\r\nSubject: {Marker} subject\r\n\r\n"
        + string.Concat(Enumerable.Range(0, lines).Select(i => $"line {i} {Marker} compte rendu operatoire {i % 97}\r\n"));

    private static async Task<string> AcceptAsync(MessageSpool spool, string content, string sender = "dr.house@hopital-a.mssante.test", string recipient = "patient.care@hopital-b.mssante.test")
    {
        await using var w = spool.BeginMessage();
        var bytes = Encoding.ASCII.GetBytes(content);
        // Pieces of odd sizes, as the SMTP engine hands them over.
        for (var i = 0; i < bytes.Length; i += 7919)
        {
            await w.WriteAsync(bytes.AsMemory(i, Math.Min(7919, bytes.Length - i)), CancellationToken.None);
        }

        await w.CommitAsync(
            new SpoolEnvelope
            {
                QueueId = w.QueueId,
                ReceivedAt = DateTimeOffset.UtcNow,
                Sender = sender,
                Recipients = [new SpoolRecipient { Address = recipient, OriginalRecipient = "rfc822;" + recipient }],
                ContentLength = bytes.Length,
                ClientCertificateSubject = "CN=Gregory House,O=Hopital A",
                PrependHeaders = $"Received: from client by gateway for <{recipient}>\r\n",
            },
            CancellationToken.None);
        return w.QueueId;
    }

    private static string Read(MessageSpool spool, string id)
    {
        using var s = spool.Open(SpoolState.Incoming, id).OpenContent();
        using var reader = new StreamReader(s, Encoding.ASCII);
        return reader.ReadToEnd();
    }

    private static SpoolDecryptionFailure FailureOf(MessageSpool spool, string id)
    {
        var ex = Assert.Throws<InvalidDataException>(() => spool.Open(SpoolState.Incoming, id));
        return Assert.IsType<SpoolDecryptionException>(ex.InnerException, exactMatch: false).Failure;
    }

    [Theory]
    [InlineData(3)] // one chunk
    [InlineData(1200)] // 60 KiB of body: the footer falls near a chunk boundary
    [InlineData(4000)] // several chunks
    public async Task A_sealed_message_reads_back_as_written_with_its_envelope(int lines)
    {
        var spool = Spool(_key1);
        var body = Body(lines);
        var id = await AcceptAsync(spool, body);
        Assert.Equal(body, Read(spool, id));
        var message = spool.Open(SpoolState.Incoming, id);
        Assert.Equal("dr.house@hopital-a.mssante.test", message.Envelope.Sender);
        using var delivered = new StreamReader(message.OpenForDelivery(), Encoding.ASCII);
        Assert.StartsWith("Received: from client by gateway", await delivered.ReadToEndAsync(), StringComparison.Ordinal);
        Assert.Empty(spool.Recover().Corrupt);
    }

    [Fact]
    public async Task Exactly_one_chunk_of_content_and_trailer_still_reads_back()
    {
        var spool = Spool(_key1);
        // Content such that content + envelope + footer is a whole number of chunks is found by trying lengths around one chunk.
        for (var n = Chunk - 600; n < Chunk - 300; n += 37)
        {
            var body = "Subject: x\r\n\r\n" + new string('z', n) + "\r\n";
            var id = await AcceptAsync(spool, body);
            Assert.Equal(body, Read(spool, id));
        }
    }

    [Fact]
    public async Task The_spool_read_raw_holds_no_message_octet_nor_address_in_clear()
    {
        var spool = Spool(_key1);
        var id = await AcceptAsync(spool, Body(3000));
        await AcceptAsync(spool, Body(2));
        await spool.WriteStateAsync(new SpoolDeliveryState { QueueId = id, Attempts = 1, Recipients = [new RecipientState { Address = "patient.care@hopital-b.mssante.test", LastReply = "450 4.2.0 <patient.care@hopital-b.mssante.test> mailbox busy", LastHop = "mx.hopital-b.mssante.test:25" }] }, CancellationToken.None);
        Assert.Equal(1, spool.ReadState(id)!.Attempts);
        await using (var pending = spool.BeginMessage())
        {
            // A message still streaming, in tmp/, and what the policy reads of it.
            await pending.WriteAsync(Encoding.ASCII.GetBytes(Body(3000)), CancellationToken.None);
            await using var read = pending.OpenContentForRead();
            Assert.Contains(Marker, await new StreamReader(read).ReadToEndAsync(), StringComparison.Ordinal);
            RawSpoolAssert.HoldsNone(spool.Root, Marker, "dr.house", "patient.care", "hopital-a", "Gregory House", "compte rendu");
        }

        RawSpoolAssert.HoldsNone(spool.Root, Marker, "dr.house", "patient.care", "hopital-a", "Gregory House", "compte rendu", "mailbox busy");
    }

    [Fact]
    public async Task A_flipped_bit_anywhere_makes_the_message_unopenable_and_recovery_sets_it_aside()
    {
        var spool = Spool(_key1);
        var id = await AcceptAsync(spool, Body(4000));
        var path = spool.PathOf(SpoolState.Incoming, id);
        var original = await File.ReadAllBytesAsync(path);
        // In the header (key id, nonce prefix, wrapped key, queue id), in a middle chunk, in a tag, in the final chunk.
        foreach (var offset in new[] { 9, 20, 40, 70, 90, 85 + 1000, 85 + SealedChunk - 3, original.Length - 50 })
        {
            var altered = (byte[])original.Clone();
            altered[offset] ^= 0x04;
            await File.WriteAllBytesAsync(path, altered);
            Assert.Throws<InvalidDataException>(() => spool.Open(SpoolState.Incoming, id));
        }

        var tail = (byte[])original.Clone();
        tail[^20] ^= 0x80;
        await File.WriteAllBytesAsync(path, tail);
        var report = spool.Recover();
        Assert.Equal([id], report.Corrupt);
        Assert.Empty(spool.List(SpoolState.Incoming));
    }

    [Fact]
    public async Task A_flipped_bit_in_a_middle_chunk_fails_as_an_altered_chunk()
    {
        var spool = Spool(_key1);
        var id = await AcceptAsync(spool, Body(4000));
        var path = spool.PathOf(SpoolState.Incoming, id);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[85 + 16 + SealedChunk + 500] ^= 1;
        await File.WriteAllBytesAsync(path, bytes);
        Assert.Equal(SpoolDecryptionFailure.ChunkAltered, FailureOf(spool, id));
    }

    [Fact]
    public async Task A_file_cut_at_a_chunk_boundary_or_inside_a_chunk_is_detected_as_truncated_or_altered()
    {
        var spool = Spool(_key1);
        var id = await AcceptAsync(spool, Body(4000));
        var path = spool.PathOf(SpoolState.Incoming, id);
        var original = await File.ReadAllBytesAsync(path);
        var header = 85 + id.Length;

        // Cut after two whole chunks: the new last chunk was not sealed as final.
        await File.WriteAllBytesAsync(path, original.AsSpan(0, header + (2 * SealedChunk)).ToArray());
        Assert.Equal(SpoolDecryptionFailure.ChunkAltered, FailureOf(spool, id));

        // Cut inside a tag.
        await File.WriteAllBytesAsync(path, original.AsSpan(0, header + (2 * SealedChunk) + 5).ToArray());
        Assert.Equal(SpoolDecryptionFailure.Truncated, FailureOf(spool, id));

        // Cut inside a chunk.
        await File.WriteAllBytesAsync(path, original.AsSpan(0, header + (2 * SealedChunk) + 3000).ToArray());
        Assert.Throws<InvalidDataException>(() => spool.Open(SpoolState.Incoming, id));
        Assert.Equal([id], spool.Recover().Corrupt);
    }

    [Fact]
    public async Task Reordered_or_repeated_chunks_do_not_authenticate()
    {
        var spool = Spool(_key1);
        var id = await AcceptAsync(spool, Body(4000));
        var path = spool.PathOf(SpoolState.Incoming, id);
        var original = await File.ReadAllBytesAsync(path);
        var header = 85 + id.Length;
        var c0 = original.AsSpan(header, SealedChunk).ToArray();
        var c1 = original.AsSpan(header + SealedChunk, SealedChunk).ToArray();

        var swapped = (byte[])original.Clone();
        c1.CopyTo(swapped, header);
        c0.CopyTo(swapped, header + SealedChunk);
        await File.WriteAllBytesAsync(path, swapped);
        Assert.Equal(SpoolDecryptionFailure.ChunkAltered, FailureOf(spool, id));

        var repeated = (byte[])original.Clone();
        c0.CopyTo(repeated, header + SealedChunk);
        await File.WriteAllBytesAsync(path, repeated);
        Assert.Equal(SpoolDecryptionFailure.ChunkAltered, FailureOf(spool, id));

        // A chunk inserted (the first one again) in front of the rest.
        await File.WriteAllBytesAsync(path, [.. original.AsSpan(0, header), .. c0, .. original.AsSpan(header)]);
        Assert.Throws<InvalidDataException>(() => spool.Open(SpoolState.Incoming, id));
    }

    [Fact]
    public async Task A_header_from_another_message_or_a_file_renamed_to_another_id_opens_nothing()
    {
        var spool = Spool(_key1);
        var a = await AcceptAsync(spool, Body(100));
        var b = await AcceptAsync(spool, Body(100));
        var pathA = spool.PathOf(SpoolState.Incoming, a);
        var pathB = spool.PathOf(SpoolState.Incoming, b);
        var bytesA = await File.ReadAllBytesAsync(pathA);
        var bytesB = await File.ReadAllBytesAsync(pathB);
        var header = 85 + a.Length;

        // B's header (its wrapped data key) on A's chunks.
        await File.WriteAllBytesAsync(pathA, [.. bytesB.AsSpan(0, header), .. bytesA.AsSpan(header)]);
        Assert.Equal(SpoolDecryptionFailure.WrongMessage, FailureOf(spool, a));

        // B's header with A's id written into it: the wrap is bound to the id.
        var forged = bytesB.AsSpan(0, header).ToArray();
        Encoding.ASCII.GetBytes(a).CopyTo(forged, 85);
        await File.WriteAllBytesAsync(pathA, [.. forged, .. bytesB.AsSpan(header)]);
        Assert.Equal(SpoolDecryptionFailure.BadHeader, FailureOf(spool, a));

        // B's whole file under A's name.
        await File.WriteAllBytesAsync(pathA, bytesB);
        Assert.Equal(SpoolDecryptionFailure.WrongMessage, FailureOf(spool, a));
        Assert.Equal(Body(100), Read(spool, b));
    }

    [Fact]
    public async Task After_rotation_new_messages_use_the_new_key_and_old_ones_open_while_the_old_key_is_kept()
    {
        var before = await AcceptAsync(Spool(_key1), Body(500));
        var rotated = Spool(_key2, _key1);
        var after = await AcceptAsync(rotated, Body(10));
        Assert.Equal(Body(500), Read(rotated, before));
        Assert.Equal(Body(10), Read(rotated, after));
        Assert.Equal(_key1.Id.ToArray(), (await File.ReadAllBytesAsync(rotated.PathOf(SpoolState.Incoming, before)))[8..16]);
        Assert.Equal(_key2.Id.ToArray(), (await File.ReadAllBytesAsync(rotated.PathOf(SpoolState.Incoming, after)))[8..16]);
        await rotated.WriteStateAsync(new SpoolDeliveryState { QueueId = before, Attempts = 3 }, CancellationToken.None);
        Assert.Equal(3, Spool(_key2, _key1).ReadState(before)!.Attempts);
        Assert.Empty(rotated.Recover().Corrupt);
    }

    [Fact]
    public async Task A_message_whose_key_is_gone_fails_with_the_key_id_and_recovery_leaves_it_intact()
    {
        var id = await AcceptAsync(Spool(_key1), Body(50));
        var withoutKey1 = Spool(_key2);
        var report = withoutKey1.Recover();
        Assert.Empty(report.Corrupt);
        Assert.Equal(1, report.KeyMissing);
        var ex = Assert.Throws<InvalidDataException>(() => withoutKey1.Open(SpoolState.Incoming, id));
        var missing = Assert.IsType<SpoolKeyMissingException>(ex.InnerException);
        Assert.Equal(_key1.IdText, missing.KeyId);
        Assert.Contains(_key1.IdText, ex.Message, StringComparison.Ordinal);
        Assert.Contains("PreviousKeyFiles", ex.Message, StringComparison.Ordinal);

        // The key back: the message opens, untouched.
        Assert.Equal(Body(50), Read(Spool(_key2, _key1), id));
    }

    [Fact]
    public async Task A_spool_written_in_clear_stays_readable_after_encryption_is_switched_on()
    {
        var plain = new MessageSpool(_dir.Combine("spool"));
        var old = await AcceptAsync(plain, Body(200));
        await plain.WriteStateAsync(new SpoolDeliveryState { QueueId = old, Attempts = 2 }, CancellationToken.None);

        var encrypted = Spool(_key1);
        Assert.Empty(encrypted.Recover().Corrupt);
        Assert.Equal(Body(200), Read(encrypted, old));
        Assert.Equal(2, encrypted.ReadState(old)!.Attempts);
        var fresh = await AcceptAsync(encrypted, Body(200));
        Assert.Equal(Body(200), Read(encrypted, fresh));

        // Once the last clear file has left, an operator may refuse clear files (one planted on the volume).
        var strict = new MessageSpool(_dir.Combine("spool"), SpoolSyncMode.GroupCommit, new SpoolEncryption(new SpoolKeyRing(_key1), true, readPlainFiles: false));
        Assert.Equal(SpoolDecryptionFailure.PlainRefused, FailureOf(strict, old));
        Assert.Null(strict.ReadState(old));
        Assert.Equal(Body(200), Read(strict, fresh));
    }

    [Fact]
    public async Task The_policy_reads_the_streaming_content_back_before_the_commit()
    {
        var spool = Spool(_key1);
        await using var w = spool.BeginMessage();
        var body = Encoding.ASCII.GetBytes(Body(5000));
        await w.WriteAsync(body, CancellationToken.None);
        await using var read = w.OpenContentForRead();
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(body, copy.ToArray());
        read.Position = body.Length - 100; // the policy's parser seeks
        var tail = new byte[100];
        Assert.Equal(100, read.Read(tail));
        Assert.Equal(body[^100..], tail);
    }

    [Fact]
    public void A_key_file_holds_32_octets_base64_and_anything_else_is_refused_with_the_fix()
    {
        var good = _dir.Combine("good.key");
        File.WriteAllText(good, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        Assert.Equal(16, SpoolKey.Load(good).IdText.Length);
        var shortKey = _dir.Combine("short.key");
        File.WriteAllText(shortKey, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        var ex = Assert.Throws<InvalidDataException>(() => SpoolKey.Load(shortKey));
        Assert.Contains("openssl rand -base64 32", ex.Message, StringComparison.Ordinal);
        var generated = SpoolKey.Generate(_dir.Combine("generated.key"));
        Assert.Equal(generated.IdText, SpoolKey.Load(_dir.Combine("generated.key")).IdText);
    }

    [Fact]
    public void The_options_validator_names_every_failing_key_and_its_fix()
    {
        var result = new SpoolEncryptionOptionsValidator().Validate(null, new SpoolEncryptionOptions { Enabled = true, PreviousKeyFiles = [_dir.Combine("gone.key"), ""] });
        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("Gateway:Spool:Encryption:KeyFile is not set", StringComparison.Ordinal) && f.Contains("openssl rand", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Spool:Encryption:PreviousKeyFiles:0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Spool:Encryption:PreviousKeyFiles:1 is empty", StringComparison.Ordinal));
    }

    [Fact]
    public void A_sealed_temp_file_reads_back_and_holds_nothing_in_clear_on_disk()
    {
        var path = _dir.Combine("smime-temp");
        var content = Encoding.ASCII.GetBytes(Body(6000));
        using var temp = new SealedTempFile(path);
        temp.Write(content);
        RawSpoolAssert.HoldsNone(_dir.Path, Marker, "dr.house");
        temp.Position = 0;
        var copy = new MemoryStream();
        temp.CopyTo(copy);
        Assert.Equal(content, copy.ToArray());
        temp.Position = 70000;
        var some = new byte[10];
        Assert.Equal(10, temp.Read(some));
        Assert.Equal(content.AsSpan(70000, 10).ToArray(), some);
        temp.Dispose();
        Assert.False(File.Exists(path));
    }
}
