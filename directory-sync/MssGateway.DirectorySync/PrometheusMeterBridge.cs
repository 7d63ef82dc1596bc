using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace MssGateway.DirectorySync;

/// <summary>
/// Exports the "MssGateway" meter through prometheus-net under the instruments' own names
/// (prometheus-net's built-in meter adapter would prefix them with the meter name, and the
/// dashboards use the <c>mssgw_</c> names as they are). Observable instruments are read at scrape time.
/// </summary>
public sealed class PrometheusMeterBridge : IDisposable
{
    private static readonly double[] DurationBuckets = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 3600];
    private readonly MeterListener _listener = new();
    private readonly CollectorRegistry _registry;
    private readonly ConcurrentDictionary<string, Collector> _collectors = new(StringComparer.Ordinal);

    public PrometheusMeterBridge(CollectorRegistry? registry = null)
    {
        _registry = registry ?? Metrics.DefaultRegistry;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "MssGateway")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
        _registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var names = new string[tags.Length];
        var values = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            names[i] = tags[i].Key;
            values[i] = tags[i].Value?.ToString() ?? string.Empty;
        }

        var factory = Metrics.WithCustomRegistry(_registry);
        var help = string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description;
        var collector = _collectors.GetOrAdd(instrument.Name, _ => instrument switch
        {
            Counter<long> or Counter<double> => factory.CreateCounter(instrument.Name, help, names),
            Histogram<double> or Histogram<long> => factory.CreateHistogram(instrument.Name, help, new HistogramConfiguration { LabelNames = names, Buckets = DurationBuckets }),
            _ => factory.CreateGauge(instrument.Name, help, names),
        });
        switch (collector)
        {
            case Prometheus.Counter c:
                c.WithLabels(values).Inc(value);
                break;
            case Prometheus.Histogram h:
                h.WithLabels(values).Observe(value);
                break;
            case Prometheus.Gauge g:
                g.WithLabels(values).Set(value);
                break;
        }
    }
}
