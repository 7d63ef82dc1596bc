using System.Collections.Concurrent;
using System.Net;

namespace MssGateway.Smtp;

/// <summary>
/// New connections per client address and time unit, for one listener (Postfix's anvil
/// <c>smtpd_client_connection_rate_limit</c>). A sliding-window estimate over two fixed windows
/// (the previous one weighted by how much of it still overlaps): no timer, no per-connection
/// record, the clock is <see cref="TimeProvider"/>. Refused attempts are not counted, so a client
/// keeps its full rate once it slows down; entries of quiet clients are swept as windows pass.
/// </summary>
internal sealed class ClientConnectionRate
{
    private readonly ConcurrentDictionary<IPAddress, Window> _clients = new();
    private readonly TimeProvider _time;
    private readonly int _max;
    private readonly long _windowTicks;
    private long _sweptWindow;

    public ClientConnectionRate(TimeProvider time, int maxPerWindow, TimeSpan window)
    {
        _time = time;
        _max = maxPerWindow;
        _windowTicks = window.Ticks;
    }

    /// <summary>Clients with an entry (for tests: the table stays bounded by the active clients).</summary>
    public int TrackedClients => _clients.Count;

    /// <summary>Counts a new connection from <paramref name="client"/>; false when it is over the rate (then not counted).</summary>
    public bool TryAcquire(IPAddress client)
    {
        if (_max <= 0)
        {
            return true;
        }

        var now = _time.GetUtcNow().UtcTicks;
        var index = now / _windowTicks;
        Sweep(index);
        var w = _clients.GetOrAdd(client, static _ => new Window());
        lock (w)
        {
            if (w.Index != index)
            {
                w.Previous = w.Index == index - 1 ? w.Current : 0;
                w.Current = 0;
                w.Index = index;
            }

            var overlap = 1.0 - ((double)(now % _windowTicks) / _windowTicks);
            if ((w.Previous * overlap) + w.Current >= _max)
            {
                return false;
            }

            w.Current++;
            return true;
        }
    }

    private void Sweep(long index)
    {
        var swept = Interlocked.Read(ref _sweptWindow);
        if (swept >= index || Interlocked.CompareExchange(ref _sweptWindow, index, swept) != swept)
        {
            return;
        }

        foreach (var (client, w) in _clients)
        {
            if (w.Index < index - 1)
            {
                _clients.TryRemove(new KeyValuePair<IPAddress, Window>(client, w));
            }
        }
    }

    private sealed class Window
    {
#pragma warning disable SA1401, CA1051 // guarded by lock(this)
        public long Index;
        public int Previous;
        public int Current;
#pragma warning restore SA1401, CA1051
    }
}
