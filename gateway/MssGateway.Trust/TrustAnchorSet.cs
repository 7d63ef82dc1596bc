namespace MssGateway.Trust;

/// <summary>
/// One immutable snapshot of what the engine trusts: anchors (self-signed CAs of the bundles and the
/// trusted list's granted CAs) and configured intermediates, indexed by normalised subject. Swapped
/// whole on reload so a validation never sees half a reload.
/// </summary>
internal sealed class TrustAnchorSet
{
    public TrustAnchorSet(IReadOnlyList<TrustedCertificate> anchors, IReadOnlyList<TrustedCertificate> intermediates, long generation, TrustedListState trustedList, DateTimeOffset loadedAt)
    {
        Anchors = anchors;
        Intermediates = intermediates;
        Generation = generation;
        TrustedList = trustedList;
        LoadedAt = loadedAt;
        AnchorsBySubject = anchors.GroupBy(a => a.SubjectKey).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        IntermediatesBySubject = intermediates.GroupBy(a => a.SubjectKey).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        AnchorThumbprints = anchors.Select(a => a.Thumbprint).ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<TrustedCertificate> Anchors { get; }

    public IReadOnlyList<TrustedCertificate> Intermediates { get; }

    public IReadOnlyDictionary<string, TrustedCertificate[]> AnchorsBySubject { get; }

    public IReadOnlyDictionary<string, TrustedCertificate[]> IntermediatesBySubject { get; }

    public IReadOnlySet<string> AnchorThumbprints { get; }

    public long Generation { get; }

    public TrustedListState TrustedList { get; }

    public DateTimeOffset LoadedAt { get; }

    /// <summary>Every CA known from configuration (anchors and intermediates).</summary>
    public IEnumerable<TrustedCertificate> AllCas => Anchors.Concat(Intermediates);
}
