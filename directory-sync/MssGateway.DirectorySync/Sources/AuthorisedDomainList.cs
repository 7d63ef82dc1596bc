namespace MssGateway.DirectorySync.Sources;

/// <summary>A parsed liste blanche: domains (normalised) with their operator certificate subject DNs, and the list's own date.</summary>
public sealed record AuthorisedDomainList(string? GeneratedAt, IReadOnlyDictionary<string, IReadOnlyList<string>> Domains)
{
    public int SubjectCount => Domains.Values.Sum(v => v.Count);
}
