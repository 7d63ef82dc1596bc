namespace MssGateway.Spool.Encryption;

/// <summary>
/// The keys the spool knows: the current one seals every new file, the previous ones only open files
/// sealed before a rotation (a file names its key by id in its header).
/// </summary>
public sealed class SpoolKeyRing
{
    private readonly Dictionary<string, SpoolKey> _byId;

    public SpoolKeyRing(SpoolKey current, IEnumerable<SpoolKey>? previous = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        Current = current;
        _byId = new Dictionary<string, SpoolKey>(StringComparer.Ordinal) { [current.IdText] = current };
        foreach (var key in previous ?? [])
        {
            _byId.TryAdd(key.IdText, key);
        }
    }

    public SpoolKey Current { get; }

    /// <summary>Ids of every key loaded, current first.</summary>
    public IEnumerable<string> Ids => _byId.Keys.OrderBy(k => k == Current.IdText ? 0 : 1);

    public SpoolKey? Find(ReadOnlySpan<byte> id) => _byId.GetValueOrDefault(Convert.ToHexStringLower(id));

    /// <summary>The ring the options name: <c>KeyFile</c> and every <c>PreviousKeyFiles</c> entry.</summary>
    public static SpoolKeyRing Load(SpoolEncryptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var current = SpoolKey.Load(options.KeyFile ?? throw new InvalidOperationException($"{SpoolEncryptionOptions.Section}:KeyFile is not set."));
        return new SpoolKeyRing(current, options.PreviousKeyFiles.Where(f => !string.IsNullOrWhiteSpace(f)).Select(SpoolKey.Load));
    }
}
