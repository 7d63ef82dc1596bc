namespace MssGateway.DirectorySync;

/// <summary>
/// How far the sync run in progress has got (issue 15.6): entries read from the source, and, when
/// the size of the source is known, the share of it read — bytes of the flat file, or entries
/// against an estimate for LDAP (the server's RFC 2696 size estimate, else the live generation's
/// mailbox count). Read by the metrics at scrape and by the terminal progress line; thread-safe.
/// </summary>
public sealed class SyncProgress
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _reportEvery;
    private long _entries;
    private long _lastReport;
    private Func<(long Done, long Total)?> _position = static () => null;
    private volatile bool _running;
    private volatile bool _completed;

    public SyncProgress(TimeProvider? time = null, TimeSpan? reportEvery = null)
    {
        _time = time ?? TimeProvider.System;
        _reportEvery = reportEvery ?? TimeSpan.FromMilliseconds(500);
    }

    /// <summary>Raised at most every reportEvery while entries are read, and at the end of a run.</summary>
    public event Action<SyncProgress>? Reported;

    public string Source { get; private set; } = "";

    /// <summary>"bytes" (flat file) or "entries" (LDAP estimate): what <see cref="Position"/> counts.</summary>
    public string Unit { get; private set; } = "entries";

    public long EntriesRead => Interlocked.Read(ref _entries);

    public bool Running => _running;

    /// <summary>Done and total in <see cref="Unit"/>, when the total is known.</summary>
    public (long Done, long Total)? Position => _position() is { Total: > 0 } p ? p : null;

    /// <summary>Share of the source read (0–1); 1 once a run completed; null when unknown.</summary>
    public double? Fraction
    {
        get
        {
            if (!_running)
            {
                return _completed ? 1 : null;
            }

            // An estimate can be passed (entries added since): stay below 1 until the run ends.
            return Position is { } p ? Math.Clamp((double)p.Done / p.Total, 0, 0.999) : null;
        }
    }

    public void Begin(string source, string unit, Func<(long Done, long Total)?> position)
    {
        Source = source;
        Unit = unit;
        _position = position ?? throw new ArgumentNullException(nameof(position));
        Interlocked.Exchange(ref _entries, 0);
        _completed = false;
        _running = true;
        Interlocked.Exchange(ref _lastReport, _time.GetTimestamp());
    }

    public void Add(long entries)
    {
        Interlocked.Add(ref _entries, entries);
        var last = Interlocked.Read(ref _lastReport);
        if (_time.GetElapsedTime(last) >= _reportEvery && Interlocked.CompareExchange(ref _lastReport, _time.GetTimestamp(), last) == last)
        {
            Reported?.Invoke(this);
        }
    }

    public void End(bool succeeded)
    {
        if (!_running)
        {
            return;
        }

        _running = false;
        _completed = succeeded;
        Reported?.Invoke(this);
    }

    /// <summary>"12,345 entries read, 45 % (40.1 of 89.0 MB)" — no personal data, counts only.</summary>
    public string Describe()
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var text = string.Create(c, $"{EntriesRead:N0} entries read");
        var fraction = Fraction;
        if (fraction is null)
        {
            return text + (_running ? " (total unknown)" : "");
        }

        text += string.Create(c, $", {Math.Floor(fraction.Value * 100):0} %");
        if (_running && Position is { } p)
        {
            text += Unit == "bytes"
                ? string.Create(c, $" ({p.Done / 1e6:0.0} of {p.Total / 1e6:0.0} MB)")
                : string.Create(c, $" (of about {p.Total:N0})");
        }

        return text;
    }
}
