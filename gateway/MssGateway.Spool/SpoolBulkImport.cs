using System.Text.Json;

namespace MssGateway.Spool;

/// <summary>
/// Writes many complete messages straight into the spool, for the queue-scale benchmark and the
/// restart test (a million messages through the accept path would take a quarter of an hour). Each
/// file goes to <c>tmp/</c> then is renamed into its state directory, in the format the accept path
/// writes; nothing is durable until <see cref="Complete"/> syncs the whole file system once. Not for
/// the accept path: it gives no per-message guarantee before <see cref="Complete"/>.
/// </summary>
internal sealed class SpoolBulkImport
{
    private readonly MessageSpool _spool;

    public SpoolBulkImport(MessageSpool spool)
    {
        _spool = spool;
    }

    /// <summary>Adds one message in <paramref name="state"/>; for <see cref="SpoolState.Deferred"/>, with its state and due time.</summary>
    public void Add(SpoolEnvelope envelope, ReadOnlySpan<byte> content, SpoolState state = SpoolState.Incoming, SpoolDeliveryState? delivery = null, DateTimeOffset? due = null)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var tmp = System.IO.Path.Combine(_spool.TempDirectory, envelope.QueueId);
        var trailer = SpoolFileFormat.BuildTrailer(envelope, content.Length);
        using (var handle = File.OpenHandle(tmp, FileMode.CreateNew, FileAccess.Write))
        {
            if (_spool.Encryption is { SealNewFiles: true, Keys: { } keys })
            {
                RandomAccess.Write(handle, Encryption.SealedFileWriter.SealToArray(keys.Current, Encryption.SealedFileKind.Message, envelope.QueueId, [.. content, .. trailer]), 0);
            }
            else
            {
                RandomAccess.Write(handle, content, 0);
                RandomAccess.Write(handle, trailer, content.Length);
            }
        }

        if (due is { } d)
        {
            File.SetLastWriteTimeUtc(tmp, d.UtcDateTime);
        }

        if (delivery is not null)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(delivery, SpoolJsonContext.Default.SpoolDeliveryState);
            if (_spool.Encryption is { SealNewFiles: true, Keys: { } stateKeys })
            {
                json = Encryption.SealedFileWriter.SealToArray(stateKeys.Current, Encryption.SealedFileKind.DeliveryState, envelope.QueueId, json);
            }

            File.WriteAllBytes(System.IO.Path.Combine(_spool.StateDirectory, envelope.QueueId + ".json"), json);
        }

        File.Move(tmp, _spool.PathOf(state, envelope.QueueId), overwrite: false);
    }

    /// <summary>Makes everything added so far durable: one syncfs of the spool's file system, then its directories.</summary>
    public void Complete()
    {
        DirectoryFsync.SyncFilesystem(_spool.Root);
        foreach (var state in Enum.GetValues<SpoolState>())
        {
            DirectoryFsync.Flush(_spool.DirectoryOf(state));
        }

        DirectoryFsync.Flush(_spool.StateDirectory);
    }
}
