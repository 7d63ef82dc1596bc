using MssGateway.Smtp;

namespace MssGateway.Host.Dev;

/// <summary>One message arriving at the dev maildir receiver: streamed to a file in the maildir's tmp/, filed at the end, removed on abort.</summary>
internal sealed class DevMaildirMessageWriter : ISmtpMessageWriter
{
    private readonly DevMaildirReceiver _receiver;
    private readonly SmtpTransaction _transaction;
    private readonly string _path;
    private readonly FileStream _file;

    public DevMaildirMessageWriter(DevMaildirReceiver receiver, SmtpTransaction transaction)
    {
        _receiver = receiver;
        _transaction = transaction;
        _path = receiver.Maildir.NewTempPath(TimeProvider.System) + ".part";
        _file = new FileStream(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 64 * 1024, useAsync: true);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => _file.WriteAsync(data, cancellationToken);

    public async ValueTask<SmtpReply> CompleteAsync(long messageSize, CancellationToken cancellationToken)
    {
        await _file.FlushAsync(cancellationToken);
        return await _receiver.FileAsync(_transaction, _path, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        File.Delete(_path);
    }
}
