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
/// The SMTP engine on Kestrel in-process with hooks that store into a real spool. Listeners: plain;
/// STARTTLS requiring a client certificate (submission); implicit TLS (smtps); STARTTLS not required,
/// certificate optional (opportunistic); and two plain listeners with PROXY protocol, one trusting
/// loopback (proxied) and one trusting only 192.0.2.0/24 (proxied-untrusted). The engine's clock is
/// the one given (a FakeTimeProvider in timeout tests).
/// </summary>
public sealed class EngineHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TempDirectory _spoolDir;
    private readonly Dictionary<string, int> _ports;

    private EngineHost(WebApplication app, TempDirectory spoolDir, MessageSpool spool, TestHooks hooks, Dictionary<string, int> ports, SmtpServer server)
    {
        _app = app;
        _spoolDir = spoolDir;
        Spool = spool;
        Hooks = hooks;
        _ports = ports;
        Server = server;
    }

    public MessageSpool Spool { get; }

    public TestHooks Hooks { get; }

    public SmtpServer Server { get; }

    public int PlainPort => _ports["plain"];

    public int StartTlsPort => _ports["submission"];

    public int ImplicitTlsPort => _ports["smtps"];

    public int OpportunisticPort => _ports["opportunistic"];

    public int ProxiedPort => _ports["proxied"];

    public int ProxiedUntrustedPort => _ports["proxied-untrusted"];

    public static async Task<EngineHost> StartAsync(Action<SmtpServerLimits>? limits = null, TimeSpan? shutdownTimeout = null, TimeProvider? time = null, ILoggerFactory? logging = null, bool tlsResumption = true)
    {
        var pki = await DevPki.SharedAsync();
        var spoolDir = new TempDirectory("mssgw-spool");
        var spool = new MessageSpool(spoolDir.Path);
        var hooks = new TestHooks(spool, logging?.CreateLogger<TestHooks>() ?? NullLogger<TestHooks>.Instance);
        var options = new SmtpServerOptions { ServerName = "mx.test.local" };
        limits?.Invoke(options.Limits);
        var server = new SmtpServer(options, hooks, new SmtpMetrics(), logging?.CreateLogger<SmtpServer>() ?? NullLogger<SmtpServer>.Instance, time);
        var cert = X509Certificate2.CreateFromPemFile(pki.ServerCertificate, pki.ServerKey);
        var usable = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        server.Tls = new SmtpTlsSettings { ServerCertificate = SslStreamCertificateContext.Create(usable, [], offline: true), Resumption = tlsResumption };

        SmtpListenerOptions[] listeners =
        [
            new() { Name = "plain", TlsMode = SmtpTlsMode.None, RequireTls = false, ClientCertificate = ClientCertificateMode.None },
            new() { Name = "submission", TlsMode = SmtpTlsMode.StartTls },
            new() { Name = "smtps", TlsMode = SmtpTlsMode.Implicit },
            new() { Name = "opportunistic", TlsMode = SmtpTlsMode.StartTls, RequireTls = false, ClientCertificate = ClientCertificateMode.Request },
            new() { Name = "proxied", TlsMode = SmtpTlsMode.None, RequireTls = false, ClientCertificate = ClientCertificateMode.None, ProxyProtocol = true, ProxyProtocolTrustedNetworks = ["127.0.0.0/8"] },
            new() { Name = "proxied-untrusted", TlsMode = SmtpTlsMode.None, RequireTls = false, ClientCertificate = ClientCertificateMode.None, ProxyProtocol = true, ProxyProtocolTrustedNetworks = ["192.0.2.0/24"] },
        ];
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var l in listeners)
        {
            l.Address = "127.0.0.1";
            l.Port = FreePort.Next();
            ports[l.Name] = l.Port;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(5));
        // The transport bounded as the gateway's is (SmtpServerLimits.MaxReadBufferSize).
        builder.WebHost.UseSockets(transport => SmtpSocketTransport.Apply(transport, options.Limits));
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var l in listeners)
            {
                k.Listen(IPAddress.Loopback, l.Port, lo => lo.Run(c => server.HandleConnectionAsync(l, c)));
            }
        });
        var app = builder.Build();
        await app.StartAsync();
        return new EngineHost(app, spoolDir, spool, hooks, ports, server);
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

    /// <summary>Files now in spool/tmp.</summary>
    public string[] TempFiles() => Directory.GetFiles(Spool.TempDirectory);

    /// <summary>This process's open file descriptors that point into spool/tmp (from /proc/self/fd).</summary>
    public IReadOnlyList<string> OpenTempHandles()
    {
        var open = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith(Spool.TempDirectory, StringComparison.Ordinal))
                {
                    open.Add(target);
                }
            }
            catch (IOException)
            {
                // closed while listing
            }
        }

        return open;
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _spoolDir.Dispose();
    }
}

/// <summary>
/// Test product hooks: refuse "refused*" senders and "unknown*" recipients, refuse certificates whose
/// thumbprint is in <see cref="RevokedThumbprints"/> (judged on every TLS session), store the rest in
/// the spool. A sender starting "ioerror" makes storage writes fail (IOException); "crash" makes them
/// throw a bug (InvalidOperationException).
/// </summary>
public sealed partial class TestHooks : SmtpSessionHooks
{
    private readonly MessageSpool _spool;
    private readonly ILogger _logger;

    public TestHooks(MessageSpool spool, ILogger logger)
    {
        _spool = spool;
        _logger = logger;
    }

    public ConcurrentQueue<string> Accepted { get; } = new();

    public ConcurrentQueue<SmtpSessionSummary> Sessions { get; } = new();

    /// <summary>What each TLS session showed the hooks, copied while it ran (the session releases its certificates when it ends).</summary>
    public ConcurrentQueue<SeenTlsSession> TlsSessions { get; } = new();

    public ConcurrentQueue<IPEndPoint?> ConnectedClients { get; } = new();

    public ConcurrentDictionary<string, bool> RevokedThumbprints { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>When set, a session waits for it before its greeting (what the client sends meanwhile arrives first).</summary>
    public TaskCompletionSource? HoldConnected { get; set; }

    public override async ValueTask<SmtpReply?> OnConnectedAsync(SmtpSessionInfo session, CancellationToken cancellationToken)
    {
        ConnectedClients.Enqueue(session.RemoteEndPoint);
        if (HoldConnected is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        return null;
    }

    public override ValueTask<SmtpReply?> OnTlsEstablishedAsync(SmtpSessionInfo session, CancellationToken cancellationToken)
    {
        TlsSessions.Enqueue(SeenTlsSession.Copy(session));
        var revoked = session.ClientCertificate is { } c && RevokedThumbprints.ContainsKey(c.Thumbprint);
        return ValueTask.FromResult(revoked ? new SmtpReply(535, "5.7.8", "client_cert_revoked", "Client certificate revoked") : null);
    }

    /// <summary>When set, each accepted message's queue id is given to it after the 250 (<see cref="SmtpSessionInfo.AfterRepliesSent"/>).</summary>
    public Action<string>? AfterAccepted { get; set; }

    /// <summary>When set, MAIL FROM waits for it: a session held inside a hook, not reading its connection.</summary>
    public TaskCompletionSource? HoldMailFrom { get; set; }

    public override async ValueTask<SmtpReply?> OnMailFromAsync(SmtpSessionInfo session, SmtpMailFrom mailFrom, CancellationToken cancellationToken)
    {
        if (HoldMailFrom is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        MailFromDecided(_logger, mailFrom.Address.Length);
        return mailFrom.Address.StartsWith("refused", StringComparison.Ordinal) ? new SmtpReply(550, "5.7.1", "sender_not_bound", "Sender not bound") : null;
    }

    public override ValueTask<SmtpReply?> OnRecipientAsync(SmtpSessionInfo session, SmtpTransaction transaction, SmtpRecipient recipient, CancellationToken cancellationToken) =>
        ValueTask.FromResult(recipient.Address.StartsWith("unknown", StringComparison.Ordinal) ? new SmtpReply(550, "5.1.1", "recipient_unknown", "Unknown") : null);

    public override ValueTask<ISmtpMessageWriter> OpenMessageAsync(SmtpSessionInfo session, SmtpTransaction transaction, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISmtpMessageWriter>(new Writer(this, session, transaction, _spool.BeginMessage()));

    public override void OnSessionEnded(SmtpSessionInfo session, SmtpSessionSummary summary) => Sessions.Enqueue(summary);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "test hooks decided on a sender of {Length} characters")]
    private static partial void MailFromDecided(ILogger logger, int length);

    private sealed class Writer(TestHooks hooks, SmtpSessionInfo session, SmtpTransaction transaction, SpoolMessageWriter inner) : ISmtpMessageWriter
    {
        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            var sender = transaction.MailFrom.Address;
            if (sender.StartsWith("ioerror", StringComparison.Ordinal))
            {
                throw new IOException("test: the disk is failing");
            }

            if (sender.StartsWith("crash", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("test: a bug in the product's writer");
            }

            return inner.WriteAsync(data, cancellationToken);
        }

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
            if (hooks.AfterAccepted is { } after)
            {
                var id = inner.QueueId;
                session.AfterRepliesSent(() => after(id));
            }

            return new SmtpReply(250, "2.0.0", null, "Ok: queued as " + inner.QueueId);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
