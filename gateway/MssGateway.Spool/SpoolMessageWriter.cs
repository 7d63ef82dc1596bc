namespace MssGateway.Spool;

/// <summary>
/// Streams one message into the spool. Content goes straight to a temp file (memory stays bounded
/// whatever the size); <see cref="CommitAsync"/> appends the envelope, makes the file durable (its own
/// fsync, or a group-committed syncfs under load: <see cref="SpoolSyncMode"/>), renames it into
/// <c>incoming/</c> and fsyncs the directory: only when it returns may the server answer 250.
/// Disposing without committing deletes the temp file.
/// </summary>
public sealed class SpoolMessageWriter : IAsyncDisposable
{
    private readonly MessageSpool _spool;
    private readonly string _tempPath;
    private FileStream? _stream;
    private bool _committed;

    internal SpoolMessageWriter(MessageSpool spool, string queueId, string tempPath, FileStream stream)
    {
        _spool = spool;
        QueueId = queueId;
        _tempPath = tempPath;
        _stream = stream;
    }

    public string QueueId { get; }

    /// <summary>Octets of content written so far.</summary>
    public long ContentLength { get; private set; }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(SpoolMessageWriter));
        ContentLength += data.Length;
        return stream.WriteAsync(data, cancellationToken);
    }

    /// <summary>
    /// Opens the content written so far for reading (for the end-of-data policy), without the
    /// envelope. The stream is independent of the writer and must be disposed by the caller.
    /// </summary>
    public Stream OpenContentForRead()
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(SpoolMessageWriter));
        stream.Flush();
        var reader = new FileStream(_tempPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 65536, FileOptions.SequentialScan);
        return new BoundedReadStream(reader, ContentLength);
    }

    /// <summary>Makes the message durable in <c>incoming/</c>; the envelope's ContentLength is set from what was written.</summary>
    public async Task CommitAsync(SpoolEnvelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var stream = _stream ?? throw new ObjectDisposedException(nameof(SpoolMessageWriter));
        if (envelope.QueueId != QueueId)
        {
            throw new ArgumentException("The envelope's queue id is not this message's.", nameof(envelope));
        }

        var trailer = SpoolFileFormat.BuildTrailer(envelope, ContentLength);
        await stream.WriteAsync(trailer, cancellationToken);
        await _spool.SyncContentAsync(stream.SafeFileHandle);
        await stream.DisposeAsync();
        _stream = null;
        await _spool.PublishAsync(_tempPath, QueueId);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync();
            _stream = null;
        }

        if (!_committed)
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
