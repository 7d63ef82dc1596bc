using System.Globalization;
using System.Text;
using MssGateway.Directory;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// <c>mssgw queue shape</c>: the queue's distribution by domain and age, the table of Postfix's
/// <c>qshape</c> (QSHAPE_README): one row per domain under a TOTAL row, a T (total) column, then
/// geometric age buckets (first bucket <c>M</c> minutes, each next one twice as long, the last one
/// open-ended). By recipient domain it counts recipients still pending (a message to three domains
/// counts in three rows); by sender domain it counts messages.
/// </summary>
public sealed class QueueShape
{
    private readonly int[] _limits; // upper age limit of each bounded bucket, in minutes
    private readonly Dictionary<string, long[]> _rows = new(StringComparer.Ordinal);
    private readonly long[] _total;

    public QueueShape(int buckets, int firstBucketMinutes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(firstBucketMinutes, 1);
        _limits = new int[buckets - 1];
        long limit = firstBucketMinutes;
        for (var i = 0; i < _limits.Length; i++)
        {
            _limits[i] = (int)Math.Min(limit, int.MaxValue);
            limit *= 2;
        }

        _total = new long[buckets + 1];
    }

    /// <summary>Column headings after the domain: T, the bucket limits, then the open bucket ("1280+").</summary>
    public IReadOnlyList<string> Columns =>
        ["T", .. _limits.Select(l => l.ToString(CultureInfo.InvariantCulture)), (_limits.Length > 0 ? _limits[^1].ToString(CultureInfo.InvariantCulture) : "0") + "+"];

    /// <summary>Counts of one row (T first, then each bucket), or null when the domain has none.</summary>
    public IReadOnlyList<long>? Row(string domain) => _rows.GetValueOrDefault(domain);

    public IReadOnlyList<long> Total => _total;

    /// <summary>Adds the queue entries: each pending recipient (or, with <paramref name="bySender"/>, each message) once.</summary>
    public void Add(IEnumerable<QueueEntry> entries, DateTimeOffset now, bool bySender, QueueFilter filter)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(filter);
        foreach (var e in entries)
        {
            var bucket = BucketOf(e.Age(now));
            if (bySender)
            {
                Count(e.Envelope.Sender.Length == 0 ? "<>" : AddressKey.DomainOf(e.Envelope.Sender), bucket);
                continue;
            }

            foreach (var r in e.Envelope.Recipients.DistinctBy(r => r.Address, StringComparer.Ordinal))
            {
                if (filter.RecipientMatches(r.Address) && (e.RecipientState(r.Address)?.Status ?? RecipientStatus.Pending) == RecipientStatus.Pending)
                {
                    Count(AddressKey.DomainOf(r.Address) is { Length: > 0 } d ? d : "(no domain)", bucket);
                }
            }
        }
    }

    private int BucketOf(TimeSpan age)
    {
        var minutes = age.TotalMinutes;
        for (var i = 0; i < _limits.Length; i++)
        {
            if (minutes < _limits[i])
            {
                return i;
            }
        }

        return _limits.Length;
    }

    private void Count(string domain, int bucket)
    {
        if (!_rows.TryGetValue(domain, out var row))
        {
            _rows[domain] = row = new long[_total.Length];
        }

        row[0]++;
        row[bucket + 1]++;
        _total[0]++;
        _total[bucket + 1]++;
    }

    /// <summary>The table: TOTAL, then the <paramref name="top"/> busiest domains (ties by name).</summary>
    public string Render(int top)
    {
        var rows = _rows.OrderByDescending(r => r.Value[0]).ThenBy(r => r.Key, StringComparer.Ordinal).Take(top).ToList();
        var nameWidth = Math.Min(48, Math.Max(5, rows.Count == 0 ? 0 : rows.Max(r => r.Key.Length)));
        var columns = Columns;
        var widths = new int[columns.Count];
        for (var c = 0; c < columns.Count; c++)
        {
            widths[c] = Math.Max(columns[c].Length, Math.Max(_total[c].ToString(CultureInfo.InvariantCulture).Length, 1));
        }

        var sb = new StringBuilder();
        void Line(string name, IReadOnlyList<string> cells)
        {
            sb.Append(name.Length > nameWidth ? name[..(nameWidth - 1)] + "~" : name.PadRight(nameWidth));
            for (var c = 0; c < cells.Count; c++)
            {
                sb.Append(' ').Append(cells[c].PadLeft(widths[c]));
            }

            sb.AppendLine();
        }

        Line(string.Empty, columns);
        Line("TOTAL", _total.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray());
        foreach (var (domain, counts) in rows)
        {
            Line(domain, counts.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray());
        }

        return sb.ToString().TrimEnd('\r', '\n');
    }
}
