using System.Globalization;
using StackExchange.Redis;

namespace MssGateway.Directory.Redis;

/// <summary>What the control hashes say of the live data: one read of <c>current</c> and <c>domains:current</c>.</summary>
public sealed record DirectoryPointer
{
    public static readonly DirectoryPointer Empty = new();

    public string? Generation { get; init; }

    public int Buckets { get; init; }

    public long Serial { get; init; }

    public long Mailboxes { get; init; }

    public IReadOnlyDictionary<string, long> MailboxesByKind { get; init; } = new Dictionary<string, long>();

    public DateTimeOffset? SyncedAt { get; init; }

    public DateTimeOffset? FullSyncAt { get; init; }

    public string? Source { get; init; }

    public string? Watermark { get; init; }

    public string? DomainGeneration { get; init; }

    public long Domains { get; init; }

    public string? DomainListDate { get; init; }

    public DateTimeOffset? DomainsLoadedAt { get; init; }

    /// <summary>Changes whenever the live data changes (new generation, incremental run, new domain list).</summary>
    public string Stamp => $"{Generation}:{Serial.ToString(CultureInfo.InvariantCulture)}:{DomainGeneration}";

    public static DirectoryPointer From(HashEntry[] current, HashEntry[] domains)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(domains);
        var c = current.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        var d = domains.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        var kinds = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var kind in CurrentFields.AllKinds)
        {
            var label = CurrentFields.KindLabel(kind);
            kinds[label] = Long(c, CurrentFields.KindPrefix + label);
        }

        return new DirectoryPointer
        {
            Generation = c.GetValueOrDefault(CurrentFields.Generation),
            Buckets = (int)Long(c, CurrentFields.Buckets),
            Serial = Long(c, CurrentFields.Serial),
            Mailboxes = Long(c, CurrentFields.Mailboxes),
            MailboxesByKind = kinds,
            SyncedAt = Time(c, CurrentFields.SyncedAt),
            FullSyncAt = Time(c, CurrentFields.FullSyncAt),
            Source = c.GetValueOrDefault(CurrentFields.Source),
            Watermark = c.GetValueOrDefault(CurrentFields.Watermark),
            DomainGeneration = d.GetValueOrDefault(CurrentFields.Generation),
            Domains = Long(d, CurrentFields.Domains),
            DomainListDate = d.GetValueOrDefault(CurrentFields.ListDate),
            DomainsLoadedAt = Time(d, CurrentFields.LoadedAt),
        };
    }

    public static async Task<DirectoryPointer> ReadAsync(IDatabaseAsync db, RedisDirectoryKeys keys)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(keys);
        var current = db.HashGetAllAsync(keys.Current);
        var domains = db.HashGetAllAsync(keys.DomainsCurrent);
        return From(await current.ConfigureAwait(false), await domains.ConfigureAwait(false));
    }

    private static long Long(Dictionary<string, string> d, string key) =>
        d.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static DateTimeOffset? Time(Dictionary<string, string> d, string key) =>
        d.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? DateTimeOffset.FromUnixTimeSeconds(n) : null;
}
