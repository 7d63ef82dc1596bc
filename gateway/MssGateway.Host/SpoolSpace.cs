using MssGateway.Spool;

namespace MssGateway.Host;

/// <summary>Free space of the spool's file system, checked at most once a second (MAIL FROM and /readyz).</summary>
public sealed class SpoolSpace
{
    private readonly SpoolOptions _options;
    private readonly TimeProvider _time;
    private long _checkedAt;
    private long _free = long.MaxValue;

    public SpoolSpace(SpoolOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    public long FreeBytes
    {
        get
        {
            var now = _time.GetTimestamp();
            if (_time.GetElapsedTime(Interlocked.Read(ref _checkedAt), now) >= TimeSpan.FromSeconds(1))
            {
                Interlocked.Exchange(ref _checkedAt, now);
                Interlocked.Exchange(ref _free, new DriveInfo(Path.GetFullPath(_options.Path)).AvailableFreeSpace);
            }

            return Interlocked.Read(ref _free);
        }
    }

    public bool HasRoom() => FreeBytes >= _options.MinimumFreeBytes;
}
