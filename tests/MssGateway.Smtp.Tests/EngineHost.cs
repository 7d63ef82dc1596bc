using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// The SMTP engine on Kestrel in-process with hooks that store into a real spool: a plain listener,
/// a STARTTLS listener requiring a client certificate, and an implicit-TLS listener.
/// </summary>
public sealed class EngineHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TempDirectory _spoolDir;

    private EngineHost(WebApplication app, TempDirectory spoolDir, MessageSpool spool, TestHooks hooks, int plain, int startTls, int implicitTls, SmtpServer server)
    {
        _app = app;
        _spoolDir = spoolDir;
        Spool = spool;
        Hooks = hooks;
        PlainPort = plain;
        StartTlsPort = startTls;
        ImplicitTlsPort = implicitTls;
        Server = server;
    }

    public MessageSpool Spool { get; }

    public TestHooks Hooks { get; }

    public SmtpServer Server { get; }

    public int PlainPort { get; }

    public int StartTlsPort { get; }

    public int ImplicitTlsPort { get; }

    public static async Task<EngineHost> StartAsync(Action<SmtpServerLimits>? limits = null, TimeSpan? shutdownTimeout = null)
    {
        var pki = await DevPki.SharedAsync();
        var spoolDir = new TempDirectory("mssgw-spool");
        var spool = new MessageSpool(spoolDir.Path);
        var hooks = new TestHooks(spool);
        var options = new SmtpServerOptions { ServerName = "mx.test.local" };
        limits?.Invoke(options.Limits);
        var server = new SmtpServer(options, hooks, new SmtpMetrics(), NullLogger<SmtpServer>.Instance);
        var cert = X509Certificate2.CreateFromPemFile(pki.ServerCertificate, pki.ServerKey);
        var usable = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        server.Tls = new SmtpTlsSettings { ServerCertificate = SslStreamCertificateContext.Create(usable, [], offline: true) };

        var plain = new SmtpListenerOptions { Name = "plain", TlsMode = SmtpTlsMode.None, RequireTls = false, ClientCertificate = ClientCertificateMode.None, Address = "127.0.0.1", Port = FreePort.Next() };
        var startTls = new SmtpListenerOptions { Name = "submission", TlsMode = SmtpTlsMode.StartTls, Address = "127.0.0.1", Port = FreePort.Next() };
        var implicitTls = new SmtpListenerOptions { Name = "smtps", TlsMode = SmtpTlsMode.Implicit, Address = "127.0.0.1", Port = FreePort.Next() };

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var l in new[] { plain, startTls, implicitTls })
            {
                k.Listen(IPAddress.Loopback, l.Port, lo => lo.Run(c => server.HandleConnectionAsync(l, c)));
            }
        });
        var app = builder.Build();
        await app.StartAsync();
        return new EngineHost(app, spoolDir, spool, hooks, plain.Port, startTls.Port, implicitTls.Port, server);
    }

    public static async Task<X509Certificate2> ClientCertificateAsync()
    {
        var pki = await DevPki.SharedAsync();
        return X509CertificateLoader.LoadPkcs12FromFile(pki.ClientPkcs12, DevPki.ClientPkcs12Password);
    }

    /// <summary>The stored content of an accepted message.</summary>
    public byte[] StoredContent(string queueId)
    {
        using var s = Spool.Open(SpoolState.Incoming, queueId).OpenContent();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _spoolDir.Dispose();
    }
}

/// <summary>Test product hooks: refuse "refused*" senders and "unknown*" recipients, store the rest in the spool.</summary>
public sealed class TestHooks : SmtpSessionHooks
{
    private readonly MessageSpool _spool;

    public TestHooks(MessageSpool spool)
    {
        _spool = spool;
    }

    public ConcurrentQueue<string> Accepted { get; } = new();

    public ConcurrentQueue<SmtpSessionSummary> Sessions { get; } = new();

    public ConcurrentQueue<SmtpSessionInfo> TlsSessions { get; } = new();

    public override ValueTask<SmtpReply?> OnTlsEstablishedAsync(SmtpSessionInfo session, CancellationToken cancellationToken)
    {
        TlsSessions.Enqueue(session);
        return ValueTask.FromResult<SmtpReply?>(null);
    }

    public override ValueTask<SmtpReply?> OnMailFromAsync(SmtpSessionInfo session, SmtpMailFrom mailFrom, CancellationToken cancellationToken) =>
        ValueTask.FromResult(mailFrom.Address.StartsWith("refused", StringComparison.Ordinal) ? new SmtpReply(550, "5.7.1", "sender_not_bound", "Sender not bound") : null);

    public override ValueTask<SmtpReply?> OnRecipientAsync(SmtpSessionInfo session, SmtpTransaction transaction, SmtpRecipient recipient, CancellationToken cancellationToken) =>
        ValueTask.FromResult(recipient.Address.StartsWith("unknown", StringComparison.Ordinal) ? new SmtpReply(550, "5.1.1", "recipient_unknown", "Unknown") : null);

    public override ValueTask<ISmtpMessageWriter> OpenMessageAsync(SmtpSessionInfo session, SmtpTransaction transaction, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISmtpMessageWriter>(new Writer(this, session, transaction, _spool.BeginMessage()));

    public override void OnSessionEnded(SmtpSessionInfo session, SmtpSessionSummary summary) => Sessions.Enqueue(summary);

    private sealed class Writer(TestHooks hooks, SmtpSessionInfo session, SmtpTransaction transaction, SpoolMessageWriter inner) : ISmtpMessageWriter
    {
        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => inner.WriteAsync(data, cancellationToken);

        public async ValueTask<SmtpReply> CompleteAsync(long messageSize, CancellationToken cancellationToken)
        {
            var envelope = new SpoolEnvelope
            {
                QueueId = inner.QueueId,
                ReceivedAt = DateTimeOffset.UtcNow,
                Sender = transaction.MailFrom.Address,
                Recipients = transaction.Recipients.Select(r => new SpoolRecipient { Address = r.Address, Notify = r.Notify == DsnNotify.Unspecified ? null : r.Notify.ToString(), OriginalRecipient = r.OriginalRecipient }).ToArray(),
                DsnEnvelopeId = transaction.MailFrom.EnvelopeId,
                DsnReturn = transaction.MailFrom.Ret == DsnReturn.Unspecified ? null : transaction.MailFrom.Ret.ToString(),
                SmtpUtf8 = transaction.MailFrom.SmtpUtf8,
                ContentLength = messageSize,
                PrependHeaders = SmtpTraceHeader.Build(session, transaction, inner.QueueId, DateTimeOffset.UtcNow),
            };
            await inner.CommitAsync(envelope, cancellationToken);
            hooks.Accepted.Enqueue(inner.QueueId);
            return new SmtpReply(250, "2.0.0", null, "Ok: queued as " + inner.QueueId);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
