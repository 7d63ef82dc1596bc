using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MssGateway.Directory;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// A delivery stack wired exactly as the host wires it (<see cref="DeliveryServiceCollectionExtensions.AddMssDelivery"/>)
/// over a temporary spool, a file directory and a test peer validator, with a capturing logger and
/// a metric listener. Tests put messages in the spool as the accept path does, then watch the
/// receivers and the spool.
/// </summary>
public sealed class DeliveryHarness : IAsyncDisposable
{
    public const string LocalDomain = "hopital-a.test";
    public const string RemoteDomain = "operateur-b.test";
    public const string Sender = "dr.martin@hopital-a.test";

    private readonly TempDirectory _dir = new("mssgw-delivery");
    private readonly ServiceProvider _services;
    private readonly MeterListener _meters = new();
    private readonly ConcurrentDictionary<string, long> _gauges = new();
    private bool _started;
    private int _disposed;

    public DeliveryHarness(Dictionary<string, string?> settings, TestPki? pki = null, IEnumerable<string>? peerSubjects = null, IEnumerable<string>? authorisedDomains = null, Action<IServiceCollection>? configure = null, IReadOnlyDictionary<string, string[]>? subjectsByDomain = null, string? spoolRoot = null)
    {
        // spoolRoot: another harness's spool (a restart of the gateway on the same disk).
        Spool = new MessageSpool(spoolRoot ?? _dir.Combine("spool"));
        var directoryFile = _dir.Combine("directory.json");
        var domains = (authorisedDomains ?? subjectsByDomain?.Keys ?? [RemoteDomain]).Select(d => new
        {
            domain = d,
            operatorCertificateSubjects = subjectsByDomain?.GetValueOrDefault(d) ?? (peerSubjects ?? [TestPki.PeerSubject]).ToArray(),
        });
        File.WriteAllText(directoryFile, JsonSerializer.Serialize(new { mailboxes = Array.Empty<object>(), authorisedDomains = domains }));
        Directory = new FileMailboxDirectory(directoryFile);

        var all = new Dictionary<string, string?>
        {
            ["Gateway:Delivery:HeloName"] = "gw.operateur-a.test",
            ["Gateway:Delivery:LocalDomains:0"] = LocalDomain,
            ["Gateway:Delivery:InternalNextHop:Host"] = "127.0.0.1",
            ["Gateway:Delivery:InternalNextHop:Port"] = "9",
            ["Gateway:Delivery:InternalNextHop:Tls"] = "None",
            ["Gateway:Delivery:RetrySchedule:0"] = "00:00:00.300",
            ["Gateway:Delivery:RetryJitter"] = "0",
            ["Gateway:Delivery:PollInterval"] = "00:00:00.100",
            ["Gateway:Delivery:DeferredScanInterval"] = "00:00:01",
            ["Gateway:Delivery:DelayWarningAfter"] = "00:00:00",
            ["Gateway:Delivery:SmtpTimeout"] = "00:00:20",
            ["Gateway:Delivery:MaxConcurrentDeliveries"] = "4",
            ["Gateway:Delivery:CheckPeerName"] = "true",
        };
        if (pki is not null)
        {
            all["Gateway:Delivery:ClientCertificateFile"] = pki.GatewayCertificateFile;
            all["Gateway:Delivery:ClientKeyFile"] = pki.GatewayKeyFile;
        }

        foreach (var (k, v) in settings)
        {
            all[k] = v;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(new CapturingLoggerProvider(Logs)).SetMinimumLevel(LogLevel.Information));
        services.AddSingleton(Spool);
        services.AddSingleton<IMailboxDirectory>(Directory);
        Validator = new ChainPeerValidator(pki is null ? [] : new X509Certificate2Collection(pki.Root), Directory);
        services.AddSingleton<IPeerCertificateValidator>(Validator);
        configure?.Invoke(services);
        services.AddSingleton<IConfiguration>(configuration).AddMssDelivery();
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var factory = _services.GetRequiredService<IMeterFactory>();
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            // Only this harness's meter: tests run in parallel, each with its own service provider.
            if (instrument.Meter.Name == DeliveryMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var label = tags.Length > 0 ? $"{tags[0].Key}={tags[0].Value}" : string.Empty;
            if (instrument is ObservableGauge<long>)
            {
                _gauges[$"{instrument.Name}{{{label}}}"] = value;
                return;
            }

            Measurements.AddOrUpdate($"{instrument.Name}{{{label}}}", value, (_, v) => v + value);
        });
        _meters.Start();
    }

    public MessageSpool Spool { get; }

    public FileMailboxDirectory Directory { get; }

    public ChainPeerValidator Validator { get; }

    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>Counter sums by "name{label=value}".</summary>
    public ConcurrentDictionary<string, long> Measurements { get; } = new();

    /// <summary>Reads the observable gauges once (mssgw_queue_messages) and returns their values by "name{label=value}".</summary>
    public Dictionary<string, long> ObserveGauges()
    {
        _ = Get<DeliveryMetrics>(); // the gauge exists once the metrics are resolved (the scheduler does it)
        _gauges.Clear();
        _meters.RecordObservableInstruments();
        return new Dictionary<string, long>(_gauges);
    }

    public DeliveryScheduler Scheduler => _services.GetRequiredService<DeliveryScheduler>();

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public async Task StartAsync()
    {
        _started = true;
        await Scheduler.StartAsync(CancellationToken.None);
    }

    /// <summary>Commits a message to incoming/ as the accept path does and signals the scheduler.</summary>
    public async Task<string> SubmitAsync(string content, string[] recipients, string sender = Sender, Func<SpoolEnvelope, SpoolEnvelope>? envelope = null, string prepend = "", bool notify = true, string? notifyParam = null)
    {
        await using var writer = Spool.BeginMessage();
        await writer.WriteAsync(Encoding.UTF8.GetBytes(content), CancellationToken.None);
        var e = new SpoolEnvelope
        {
            QueueId = writer.QueueId,
            ReceivedAt = DateTimeOffset.UtcNow,
            Sender = sender,
            Recipients = recipients.Select(r => new SpoolRecipient { Address = r, Notify = notifyParam }).ToList(),
            Body = "8BITMIME",
            ListenerName = "test",
            PrependHeaders = prepend,
        };
        await writer.CommitAsync(envelope?.Invoke(e) ?? e, CancellationToken.None);
        if (notify && _started)
        {
            Scheduler.Notify(writer.QueueId);
        }

        return writer.QueueId;
    }

    /// <summary>
    /// Commits a message as the gateway's accept path does (issue 13e): the scheduler is handed the message
    /// as written (<see cref="SpoolMessageWriter.Committed"/>) when it runs; returns it either way.
    /// </summary>
    public async Task<SpoolMessage> SubmitHandedOffAsync(string content, string[] recipients)
    {
        await using var writer = Spool.BeginMessage();
        await writer.WriteAsync(Encoding.UTF8.GetBytes(content), CancellationToken.None);
        await writer.CommitAsync(
            new SpoolEnvelope
            {
                QueueId = writer.QueueId,
                ReceivedAt = DateTimeOffset.UtcNow,
                Sender = Sender,
                Recipients = recipients.Select(r => new SpoolRecipient { Address = r }).ToList(),
                Body = "8BITMIME",
                ListenerName = "test",
            },
            CancellationToken.None);
        var committed = writer.Committed ?? throw new InvalidOperationException("a file in clear is always handed over");
        if (_started)
        {
            Scheduler.Notify(committed);
        }

        return committed;
    }

    /// <summary>Waits (polling) until the condition holds; fails the test after the timeout.</summary>
    public async Task WaitAsync(Func<bool> condition, string what, int seconds = 20)
    {
        try
        {
            await WaitUntilAsync(condition, what, seconds);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + "\nlast log lines:\n" + string.Join("\n", Logs.TakeLast(15)), ex);
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException("Timed out waiting for: " + what);
            }

            await Task.Delay(50);
        }
    }

    public bool SpoolIsEmpty() =>
        new[] { SpoolState.Incoming, SpoolState.Active, SpoolState.Deferred }.All(s => Spool.List(s).Count == 0) && Scheduler.InFlight == 0;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return; // a test may stop the stack early (to see its QUITs) and still leave it in a using
        }

        if (_started)
        {
            await Scheduler.StopAsync(CancellationToken.None);
        }

        _meters.Dispose();
        await _services.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Keeps formatted log lines for assertions (what is logged, and what never is).</summary>
    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(sink);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Enqueue($"{eventId.Name}: {formatter(state, exception)}");
        }
    }
}
