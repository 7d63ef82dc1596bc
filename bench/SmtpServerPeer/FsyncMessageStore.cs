using System.Buffers;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MssGateway.Bench.SmtpServerPeer;

/// <summary>
/// Stores a message durably before the 250, as the gateway's spool promises: a new file, its content,
/// fsync, then the reply. (Lighter than the gateway's spool: no envelope trailer, no rename into
/// incoming/, no directory fsync, no policy.) SmtpServer hands the whole message as one buffer: it
/// was held in memory until its end.
/// </summary>
public sealed class FsyncMessageStore : MessageStore
{
    private readonly string _directory;

    public FsyncMessageStore(string directory)
    {
        _directory = directory;
    }

    public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            foreach (var segment in buffer)
            {
                await file.WriteAsync(segment, cancellationToken);
            }

            file.Flush(flushToDisk: true);
        }

        return SmtpResponse.Ok;
    }
}
