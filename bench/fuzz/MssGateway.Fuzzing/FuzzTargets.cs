using MssGateway.Fuzzing.Targets;

namespace MssGateway.Fuzzing;

/// <summary>The fuzz targets by name (<c>bench/fuzz/run.sh --list</c>), and their seed corpora.</summary>
public static class FuzzTargets
{
    private static readonly Dictionary<string, Func<FuzzContext, IFuzzTarget>> Factories = new(StringComparer.Ordinal)
    {
        ["smtp-command"] = _ => new SmtpCommandTarget(),
        ["mime"] = c => new MimeStructureTarget(c),
        ["dn-text"] = _ => new DistinguishedNameTextTarget(),
        ["dn-der"] = c => new DistinguishedNameDerTarget(c),
        ["certificate"] = c => new CertificateTarget(c),
        ["crl"] = c => new CrlTarget(c, signed: false),
        ["crl-signed"] = c => new CrlTarget(c, signed: true),
        ["ocsp"] = c => new OcspTarget(c, signed: false),
        ["ocsp-signed"] = c => new OcspTarget(c, signed: true),
        ["liste-blanche"] = _ => new AuthorisedDomainListTarget(),
        ["trusted-list"] = c => new TrustedListTarget(c, signed: false),
        ["trusted-list-signed"] = c => new TrustedListTarget(c, signed: true),
        ["extraction"] = c => new ExtractionCorrespondanceTarget(c),
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <exception cref="ArgumentException">No target has that name.</exception>
    public static IFuzzTarget Create(string name, FuzzContext context) =>
        Factories.TryGetValue(name, out var factory)
            ? factory(context)
            : throw new ArgumentException($"unknown fuzz target '{name}' (targets: {string.Join(", ", Factories.Keys)})", nameof(name));

    /// <summary>Folder of the committed seeds beside the assembly (copied from bench/fuzz/seeds).</summary>
    public static string SeedDirectory(string name) => Path.Combine(AppContext.BaseDirectory, "fuzz-seeds", name);

    /// <summary>The committed seeds of a target, then the ones made at run time.</summary>
    public static IEnumerable<KeyValuePair<string, byte[]>> Seeds(IFuzzTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var dir = SeedDirectory(target.Name);
        if (System.IO.Directory.Exists(dir))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
            {
                yield return new(Path.GetFileName(file), File.ReadAllBytes(file));
            }
        }

        foreach (var seed in target.GeneratedSeeds())
        {
            yield return seed;
        }
    }
}
