using MssGateway.Directory;
using MssGateway.Directory.Redis;

namespace MssGateway.DirectorySync.Writing;

/// <summary>Mailbox counts by kind (PER, ORG, APP, CAB); also used for deltas of incremental runs. Thread-safe (two batches may be in flight).</summary>
public sealed class SyncCounts
{
    private readonly long[] _byKind = new long[CurrentFields.AllKinds.Length];

    public long Total => Enumerable.Range(0, _byKind.Length).Sum(i => Interlocked.Read(ref _byKind[i]));

    public long this[MailboxKind kind] => Interlocked.Read(ref _byKind[(int)kind]);

    public void Add(MailboxKind kind, long delta) => Interlocked.Add(ref _byKind[(int)kind], delta);

    public IEnumerable<KeyValuePair<string, long>> ByLabel() =>
        CurrentFields.AllKinds.Select(k => new KeyValuePair<string, long>(CurrentFields.KindLabel(k), _byKind[(int)k]));
}
