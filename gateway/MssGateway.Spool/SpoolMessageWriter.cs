using MssGateway.Spool.Encryption;

namespace MssGateway.Spool;

/// <summary>
/// Streams one message into the spool. Content goes straight to a temp file (memory stays bounded
/// whatever the size) — sealed chunk by chunk when the spool is encrypted, so no clear octet reaches
/// the disk, not even in <c>tmp/</c>; <see cref="CommitAsync"/> appends the envelope, makes the file
/// durable (its own fsync, or a group-committed syncfs under load: <see cref="SpoolSyncMode"/>),
/// renames it into <c>incoming/</c> and fsyncs the directory: only when it returns may the server
/// answer 250. Disposing without committing deletes the temp file. The temp file is created with the
/// first content written (or at the commit of an empty message): a transfer abandoned before its first
/// block — what an attacker's BDAT-then-RSET loop or a slowloris DATA is — costs no file, no inode and
/// no descriptor (<see cref="HasFile"/>). When the spool keeps recycled files (<see cref="MessageSpool.RecycleCapacity"/>),
/// the temp file is a delivered message's file written over where it is, in <c>recycled/</c>, cut to this
/// message's length at the commit and renamed from there into <c>incoming/</c>;
/// every read of the content so far is bounded by what was written (<see cref="OpenContentForRead"/>).
/// </summary>
public sealed class SpoolMessageWriter : IAsyncDisposable
{
    private readonly MessageSpool _spool;
    private string _tempPath; // tmp/<id>, or the recycled file written over
    private readonly SpoolKey? _sealWith;
    private SealedFileWriter? _sealer;
    private FileStream? _stream;
    private bool _committed;
    private bool _disposed;
    private bool _created;
    private bool _recycled;

    internal SpoolMessageWriter(MessageSpool spool, string queueId, string tempPath, SpoolKey? sealWith)
    {
        _spool = spool;
        QueueId = queueId;
        _tempPath = tempPath;
        _sealWith = sealWith;
    }

    public string QueueId { get; }

    /// <summary>Octets of content written so far.</summary>
    public long ContentLength { get; private set; }

    /// <summary>Whether the file is sealed (the spool is encrypted).</summary>
    public bool IsSealed => _sealWith is not null;

    /// <summary>Whether the temp file exists yet (it is created with the first content written).</summary>
    public bool HasFile => _created;

    /// <summary>Whether the temp file is a recycled one (a delivered message's file, written over).</summary>
    public bool IsRecycled => _recycled;

    /// <summary>
    /// After <see cref="CommitAsync(SpoolEnvelope, SpoolCommitCompanion?, CancellationToken)"/>, the message
    /// as it now is in <c>incoming/</c> — the envelope just written and the file's stamp (inode, length,
    /// modification time) taken on the written handle — for the accept path to hand to delivery, which
    /// then need not read the file back (issue 13, CPU per message). Null before the commit and for a
    /// sealed file (every delivery pass authenticates a sealed file whole). What delivery does with it is
    /// <see cref="MessageSpool.Reopen"/>'s rule: reused only while the file still has this stamp.
    /// </summary>
    public SpoolMessage? Committed { get; private set; }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var stream = TempFile();
        ContentLength += data.Length;
        return _sealer is { } sealer ? sealer.WriteAsync(data, cancellationToken) : stream.WriteAsync(data, cancellationToken);
    }

    /// <summary>The temp file, created on first use (or a recycled one taken). A queue id drawn twice (30 random bits per millisecond) fails the message (IOException: a temporary error) here or, for a recycled file, at its publish; it never overwrites.</summary>
    private FileStream TempFile()
    {
        ObjectDisposedException.ThrowIf(_disposed || _committed, this);
        if (_stream is { } open)
        {
            return open;
        }

        // A delivered message's file when one is ready (its inode and blocks written over: no allocation, no
        // release), else a new one.
        var stream = _spool.OpenRecycled(out var recycledPath);
        _recycled = stream is not null;
        if (stream is not null)
        {
            _tempPath = recycledPath;
        }

        stream ??= new FileStream(_tempPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            BufferSize = 0,
            Options = FileOptions.None,
        });
        _created = true;
        _sealer = _sealWith is { } key ? new SealedFileWriter(stream, key, SealedFileKind.Message, QueueId) : null;
        _stream = stream;
        return stream;
    }

    /// <summary>
    /// Opens the content written so far for reading (for the end-of-data policy), without the
    /// envelope. The stream is independent of the writer and must be disposed by the caller.
    /// </summary>
    public Stream OpenContentForRead()
    {
        var stream = TempFile();
        stream.Flush();
        ISpoolContent content = _sealer is { } sealer ? sealer.OpenPartial(_tempPath) : new PlainSpoolContent(_tempPath);
        return new SpoolContentStream(content, ContentLength);
    }

    /// <summary>Makes the message durable in <c>incoming/</c>; the envelope's ContentLength is set from what was written.</summary>
    public Task CommitAsync(SpoolEnvelope envelope, CancellationToken cancellationToken) => CommitAsync(envelope, null, cancellationToken);

    /// <summary>
    /// As <see cref="CommitAsync(SpoolEnvelope, CancellationToken)"/>, with <paramref name="alongside"/>
    /// (the exchange journal's accept record) made durable in the same barrier as the content, before
    /// the rename (<see cref="SpoolCommitCompanion"/>): a message whose companion failed to write or to
    /// reach the disk is never published (its temp file goes, no 250 is given).
    /// </summary>
    public async Task CommitAsync(SpoolEnvelope envelope, SpoolCommitCompanion? alongside, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var stream = TempFile();
        if (envelope.QueueId != QueueId)
        {
            throw new ArgumentException("The envelope's queue id is not this message's.", nameof(envelope));
        }

        var trailer = SpoolFileFormat.BuildTrailer(envelope, ContentLength);
        if (_sealer is { } sealer)
        {
            await sealer.WriteAsync(trailer, cancellationToken);
            await sealer.CompleteAsync(cancellationToken);
            SpoolEncryption.CountSealed(SealedFileKind.Message);
        }
        else
        {
            await stream.WriteAsync(trailer, cancellationToken);
        }

        if (_recycled)
        {
            stream.SetLength(stream.Position); // the old message's octets past this one's end go (made durable by the sync below)
        }

        await _spool.SyncContentAsync(stream.SafeFileHandle, alongside);
        // Taken after the last write, on the handle that wrote: the rename below keeps inode, length and time.
        SpoolFileStamp? stamp = _sealer is null ? SpoolFileStamp.Of(stream.SafeFileHandle) : null;
        await stream.DisposeAsync();
        _stream = null;
        await _spool.PublishAsync(_tempPath, QueueId);
        _committed = true;
        if (stamp is { } written)
        {
            var path = _spool.PathOf(SpoolState.Incoming, QueueId);
            Committed = new SpoolMessage(path, envelope, ContentLength, () => new PlainSpoolContent(path), written);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _sealer?.Dispose();
        if (_stream is not null)
        {
            await _stream.DisposeAsync();
            _stream = null;
        }

        if (_created && !_committed)
        {
            try
            {
                File.Delete(_tempPath);
            }
            catch (IOException)
            {
                // Left for Recover() at the next start; it was never acknowledged.
            }
        }
    }
}
