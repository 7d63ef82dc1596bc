using MssGateway.Smtp;
using MssGateway.Spool;

namespace MssGateway.Host;

/// <summary>
/// Receives one message from the engine straight into a spool temp file; at its end runs the policy
/// and commits durably before the 250 (DESIGN.md §3 "Spool"). Disposed without completion, it
/// deletes the temp file: nothing refused or interrupted is ever kept.
/// </summary>
internal sealed class GatewayMessageWriter : ISmtpMessageWriter
{
    private readonly GatewaySessionHooks _hooks;
    private readonly SmtpSessionInfo _session;
    private readonly SmtpTransaction _transaction;
    private readonly GatewayListenerOptions _listener;
    private readonly SpoolMessageWriter _spoolWriter;

    public GatewayMessageWriter(GatewaySessionHooks hooks, SmtpSessionInfo session, SmtpTransaction transaction, GatewayListenerOptions listener, SpoolMessageWriter spoolWriter)
    {
        _hooks = hooks;
        _session = session;
        _transaction = transaction;
        _listener = listener;
        _spoolWriter = spoolWriter;
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => _spoolWriter.WriteAsync(data, cancellationToken);

    public ValueTask<SmtpReply> CompleteAsync(long messageSize, CancellationToken cancellationToken) =>
        _hooks.CompleteAsync(_spoolWriter, _session, _transaction, _listener, messageSize, cancellationToken);

    public ValueTask DisposeAsync() => _spoolWriter.DisposeAsync();
}
