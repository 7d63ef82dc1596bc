using System.Net;
using Microsoft.AspNetCore.Connections;
using MssGateway.Smtp;

namespace MssGateway.Host.Dev;

/// <summary>
/// The dev-mode internal next hop: the gateway's own SMTP engine on a loopback listener without TLS
/// (<see cref="DevMaildirOptions"/>), accepting every message from loopback and filing one copy per
/// recipient in the maildir, with <c>Return-Path</c> and <c>Delivered-To</c> on top as a local
/// delivery agent writes them. The delivery component reaches it like any hospital mail system
/// (<c>Gateway:Delivery:InternalNextHop</c>), so dev mode runs the same accept → spool → delivery
/// path as production.
/// </summary>
public sealed class DevMaildirReceiver : ISmtpSessionHooks
{
    private readonly ILogger<DevMaildirReceiver> _logger;
    private readonly TimeProvider _time;

    public DevMaildirReceiver(DevMaildirOptions options, ILoggerFactory loggers, TimeProvider time, SmtpMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _logger = loggers.CreateLogger<DevMaildirReceiver>();
        _time = time;
        Maildir = new Maildir(options.Path!);
        Listener = new SmtpListenerOptions
        {
            Name = "dev-maildir",
            Address = options.Address,
            Port = options.Port,
            TlsMode = SmtpTlsMode.None,
            RequireTls = false,
            ClientCertificate = ClientCertificateMode.None,
        };
        Server = new SmtpServer(
            new SmtpServerOptions { ServerName = "maildir.dev.invalid", Banner = "ESMTP dev maildir (mssgw --dev)", Listeners = [Listener] },
            this,
            metrics,
            loggers.CreateLogger<SmtpServer>(),
            time);
    }

    public Maildir Maildir { get; }

    public SmtpListenerOptions Listener { get; }

    public SmtpServer Server { get; }

    public IPEndPoint EndPoint => Listener.ToEndPoint();

    public Task HandleConnectionAsync(ConnectionContext connection) => Server.HandleConnectionAsync(Listener, connection);

    // The listener binds a loopback address only (DevMaildirOptions.Validate): nothing else can connect.
    public ValueTask<SmtpReply?> OnConnectedAsync(SmtpSessionInfo session, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

    public ValueTask<SmtpReply?> OnTlsEstablishedAsync(SmtpSessionInfo session, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

    public ValueTask<SmtpReply?> OnMailFromAsync(SmtpSessionInfo session, SmtpMailFrom mailFrom, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

    public ValueTask<SmtpReply?> OnRecipientAsync(SmtpSessionInfo session, SmtpTransaction transaction, SmtpRecipient recipient, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

    public ValueTask<ISmtpMessageWriter> OpenMessageAsync(SmtpSessionInfo session, SmtpTransaction transaction, CancellationToken cancellationToken)
    {
        ISmtpMessageWriter writer = new DevMaildirMessageWriter(this, transaction);
        return ValueTask.FromResult(writer);
    }

    public void OnTlsHandshakeFailed(SmtpSessionInfo session, Exception error)
    {
    }

    public void OnSessionEnded(SmtpSessionInfo session, SmtpSessionSummary summary)
    {
    }

    /// <summary>Files the received message once per recipient (called by <see cref="DevMaildirMessageWriter"/>).</summary>
    internal async Task<SmtpReply> FileAsync(SmtpTransaction transaction, string contentFile, CancellationToken cancellationToken)
    {
        var sender = transaction.MailFrom.Address;
        foreach (var recipient in transaction.Recipients.Select(r => r.Address).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var file = await Maildir.DeliverAsync($"Return-Path: <{sender}>\r\nDelivered-To: {recipient}\r\n", contentFile, _time, cancellationToken);
            DevMaildirLog.Delivered(_logger, recipient, file);
        }

        return new SmtpReply(250, "2.0.0", null, "Ok: delivered to the dev maildir");
    }
}
