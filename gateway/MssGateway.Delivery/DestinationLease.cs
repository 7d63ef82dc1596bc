namespace MssGateway.Delivery;

/// <summary>
/// One slot of a destination (and of the global limit) held for one transaction. Disposing gives it
/// back and lets the scheduler dispatch the next message; disposing twice is harmless, so every path
/// out of a pass can simply dispose it.
/// </summary>
internal sealed class DestinationLease : IDisposable
{
    private readonly DestinationTable _table;
    private int _released;

    public DestinationLease(DestinationTable table, Destination destination, bool probe)
    {
        _table = table;
        Destination = destination;
        Probe = probe;
    }

    public Destination Destination { get; }

    /// <summary>This slot is the one probe let through to a dead destination.</summary>
    public bool Probe { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _table.Release(this);
        }
    }
}
