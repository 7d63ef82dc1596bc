using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Prometheus;

namespace MssGateway.Telemetry;

/// <summary>
/// Publishes the instruments of one <see cref="Meter"/> (the gateway's "MssGateway" meter) into a
/// prometheus-net registry under their exact names, with the histogram buckets advised by the
/// instrument (<see cref="InstrumentAdvice{T}"/>) and the measurement tags as labels.
/// Why not prometheus-net's own MeterAdapter: it prefixes the meter name (mssgateway_mssgw_…) and
/// ignores bucket advice, so the names in docs/metrics.md, the dashboard and the alerts would not
/// exist. Counters map to counters, up-down counters and gauges to gauges, histograms to
/// histograms; observable instruments are read at scrape time (<see cref="RecordObservables"/>).
/// Label names are fixed by an instrument's first measurement (sorted tag keys): a later measurement
/// that lacks a tag exports it as "", an extra tag is dropped (instruments here always use the same keys).
/// </summary>
public sealed class MeterPrometheusBridge : IDisposable
{
    private readonly string _meterName;
    private readonly IMetricFactory _factory;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentExport> _exports = new();
    private readonly Lock _observeLock = new();

    public MeterPrometheusBridge(string meterName, CollectorRegistry registry)
    {
        ArgumentException.ThrowIfNullOrEmpty(meterName);
        ArgumentNullException.ThrowIfNull(registry);
        _meterName = meterName;
        _factory = Metrics.WithCustomRegistry(registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (string.Equals(instrument.Meter.Name, _meterName, StringComparison.Ordinal))
            {
                var export = _exports.GetOrAdd(instrument, i => new InstrumentExport(i, _factory));
                listener.EnableMeasurementEvents(instrument, export);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _exports.TryRemove(instrument, out InstrumentExport? _);
        _listener.SetMeasurementEventCallback<long>((i, v, tags, state) => ((InstrumentExport)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, state) => ((InstrumentExport)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<short>((i, v, tags, state) => ((InstrumentExport)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<byte>((i, v, tags, state) => ((InstrumentExport)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, state) => ((InstrumentExport)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, state) => ((InstrumentExport)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<decimal>((i, v, tags, state) => ((InstrumentExport)state!).Record((double)v, tags));
        _listener.Start();
    }

    /// <summary>Names of the instruments bridged so far (for tests and diagnostics).</summary>
    public IReadOnlyCollection<string> InstrumentNames => _exports.Keys.Select(i => i.Name).ToArray();

    /// <summary>
    /// Reads every observable instrument now (call just before a scrape). A labelled series an observable
    /// gauge no longer reports (a destination that answers again, a CRL no longer configured) is removed,
    /// not left at its last value: a series that exists only while something is wrong can be alerted on.
    /// </summary>
    public void RecordObservables()
    {
        lock (_observeLock)
        {
            foreach (var export in _exports.Values)
            {
                export.BeginObservation();
            }

            _listener.RecordObservableInstruments();
            foreach (var export in _exports.Values)
            {
                export.EndObservation();
            }
        }
    }

    /// <summary>
    /// Limits prometheus-net's default adapters to the runtime's own series: its MeterAdapter to the
    /// <c>System.Runtime</c> meter (which also keeps the gateway's own meters from being exported twice,
    /// once prefixed) and its EventCounterAdapter to the <c>System.Runtime</c> event source. The other meters
    /// and event sources it would subscribe to by default (Kestrel's, System.Net.Security's,
    /// System.Net.Sockets') record on every connection and every TLS handshake — under a connection flood
    /// that cost the gateway CPU per connection for series that duplicate <c>mssgw_smtp_connections_total</c>
    /// and <c>mssgw_tls_handshakes_total</c> (docs/metrics.md, "Other series").
    /// </summary>
    public static void LimitDefaultAdapters()
    {
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = i => IsRuntimeSource(i.Meter.Name));
        Metrics.ConfigureEventCounterAdapter(o => o.EventSourceFilterPredicate = IsRuntimeSource);
    }

    /// <summary>The runtime's own meter and event source, the only ones the default adapters follow.</summary>
    public static bool IsRuntimeSource(string name) => string.Equals(name, "System.Runtime", StringComparison.Ordinal);

    public void Dispose() => _listener.Dispose();

    /// <summary>One instrument's Prometheus collector, created on its first measurement.</summary>
    private sealed class InstrumentExport
    {
        private readonly Instrument _instrument;
        private readonly IMetricFactory _factory;
        private readonly Lock _createLock = new();
        private volatile Created? _created;
        private HashSet<string>? _observed; // an observable gauge's label values reported since BeginObservation

        public InstrumentExport(Instrument instrument, IMetricFactory factory)
        {
            _instrument = instrument;
            _factory = factory;
        }

        /// <summary>An observable gauge's collection begins: the label sets it reports from now on are noted.</summary>
        public void BeginObservation()
        {
            if (_instrument.IsObservable && _created is { Collector: Gauge, LabelNames.Length: > 0 })
            {
                _observed = new HashSet<string>(StringComparer.Ordinal);
            }
        }

        /// <summary>The collection is over: the labelled series it did not report are removed.</summary>
        public void EndObservation()
        {
            if (_observed is not { } observed || _created?.Collector is not Gauge gauge)
            {
                return;
            }

            _observed = null;
            foreach (var labels in gauge.GetAllLabelValues().ToList())
            {
                if (!observed.Contains(Key(labels)))
                {
                    gauge.WithLabels(labels).Remove();
                }
            }
        }

        private static string Key(string[] labelValues) => string.Join('\u0001', labelValues);

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var created = _created ?? Create(tags);
            if (created.Collector is null)
            {
                return; // the name clashes with another instrument's collector: the first one wins
            }

            var values = new string[created.LabelNames.Length];
            for (var n = 0; n < values.Length; n++)
            {
                values[n] = string.Empty;
                foreach (var tag in tags)
                {
                    if (string.Equals(tag.Key, created.LabelNames[n], StringComparison.Ordinal))
                    {
                        values[n] = LabelValue(tag.Value);
                        break;
                    }
                }
            }

            switch (created.Collector)
            {
                case Counter c when created.Cumulative:
                    (values.Length == 0 ? (ICounter)c : c.WithLabels(values)).IncTo(value);
                    break;
                case Counter c:
                    if (value > 0)
                    {
                        (values.Length == 0 ? (ICounter)c : c.WithLabels(values)).Inc(value);
                    }

                    break;
                case Gauge g when created.Cumulative:
                    (values.Length == 0 ? (IGauge)g : g.WithLabels(values)).Set(value);
                    _observed?.Add(Key(values));
                    break;
                case Gauge g:
                    (values.Length == 0 ? (IGauge)g : g.WithLabels(values)).Inc(value);
                    break;
                case Histogram h:
                    (values.Length == 0 ? (IHistogram)h : h.WithLabels(values)).Observe(value);
                    break;
            }
        }

        private Created Create(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labelNames = new string[tags.Length];
            for (var n = 0; n < tags.Length; n++)
            {
                labelNames[n] = tags[n].Key;
            }

            Array.Sort(labelNames, StringComparer.Ordinal);
            lock (_createLock)
            {
                if (_created is { } existing)
                {
                    return existing;
                }

                try
                {
                    _created = CreateCollector(labelNames);
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
                {
                    // Same name registered with another type or other labels (e.g. two components
                    // defining one metric differently): never let a measurement or a scrape throw.
                    _created = new Created(null, labelNames, Cumulative: false);
                }

                return _created;
            }
        }

        private Created CreateCollector(string[] labelNames)
        {
            var name = _instrument.Name;
            var help = string.IsNullOrEmpty(_instrument.Description) ? name : _instrument.Description;
            var type = _instrument.GetType();
            var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            if (generic == typeof(Counter<>))
            {
                return new Created(_factory.CreateCounter(name, help, labelNames), labelNames, Cumulative: false);
            }

            if (generic == typeof(ObservableCounter<>))
            {
                return new Created(_factory.CreateCounter(name, help, labelNames), labelNames, Cumulative: true);
            }

            if (generic == typeof(UpDownCounter<>))
            {
                return new Created(_factory.CreateGauge(name, help, labelNames), labelNames, Cumulative: false);
            }

            if (generic == typeof(Histogram<>))
            {
                var config = new HistogramConfiguration { LabelNames = labelNames, Buckets = AdvisedBuckets(_instrument) };
                return new Created(_factory.CreateHistogram(name, help, config), labelNames, Cumulative: false);
            }

            // ObservableGauge, ObservableUpDownCounter, Gauge: the measurement is the current value.
            return new Created(_factory.CreateGauge(name, help, labelNames), labelNames, Cumulative: true);
        }

        private static double[]? AdvisedBuckets(Instrument instrument) => instrument switch
        {
            Instrument<double> d => d.Advice?.HistogramBucketBoundaries?.ToArray(),
            Instrument<float> f => f.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Instrument<long> l => l.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Instrument<int> i => i.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };

        private static string LabelValue(object? value) => value switch
        {
            null => string.Empty,
            string s => s,
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? string.Empty,
        };

        private sealed record Created(Collector? Collector, string[] LabelNames, bool Cumulative);
    }
}
