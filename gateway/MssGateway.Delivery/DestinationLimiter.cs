using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace MssGateway.Delivery;

/// <summary>
/// Per-destination concurrency (issue 6 §1): at most <see cref="DeliveryOptions.ConcurrencyPerDestination"/>
/// transactions at once to one operator domain or to the internal hop, so one slow operator cannot
/// take every worker and a small hospital server is not flooded.
/// </summary>
public sealed class DestinationLimiter
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly IOptionsMonitor<DeliveryOptions> _options;

    public DestinationLimiter(IOptionsMonitor<DeliveryOptions> options)
    {
        _options = options;
    }

    public async ValueTask<IDisposable> AcquireAsync(string destination, CancellationToken ct)
    {
        var gate = _gates.GetOrAdd(destination, _ => new SemaphoreSlim(_options.CurrentValue.ConcurrencyPerDestination));
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
