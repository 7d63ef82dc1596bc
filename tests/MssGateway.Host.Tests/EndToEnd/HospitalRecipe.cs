using MssGateway.Testing;

namespace MssGateway.Host.Tests.EndToEnd;

/// <summary>
/// The Postfix recipe of docs/hospital-guide.md, read from the guide itself: each block follows a
/// <c>&lt;!-- recipe: NAME --&gt;</c> line. The hospital test runs exactly these blocks, with the
/// example values (the gateway's name and port, <c>/etc/postfix/mssante/</c>, the hospital's domain
/// and host name) replaced by the test's — so the page and the tested configuration cannot drift.
/// </summary>
public static class HospitalRecipe
{
    public const string ExampleGateway = "gateway.hopital-exemple.mssante.fr";
    public const string ExampleDomain = "hopital-exemple.mssante.fr";
    public const string ExampleHost = "mail.hopital-exemple.fr";
    public const string ExampleMapDirectory = "/etc/postfix/mssante/";
    public const string ListeBlancheUrl = "https://espacedeconfiance.mssante.fr/listeblanchemssante.xml";

    private static readonly Lazy<string> Guide = new(() => File.ReadAllText(RepositoryPaths.Combine("docs", "hospital-guide.md")));

    /// <summary>The text of block <paramref name="name"/> as the guide shows it.</summary>
    public static string Block(string name)
    {
        var lines = Guide.Value.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var marker = lines.FindIndex(l => l.Trim() == $"<!-- recipe: {name} -->");
        Assert.True(marker >= 0, $"docs/hospital-guide.md has no block '<!-- recipe: {name} -->'");
        var open = marker + 1;
        Assert.True(open < lines.Count && lines[open].StartsWith("```", StringComparison.Ordinal), $"block '{name}' must start right after its marker");
        var close = lines.FindIndex(open + 1, l => l.StartsWith("```", StringComparison.Ordinal));
        Assert.True(close > open, $"block '{name}' is not closed");
        return string.Join('\n', lines[(open + 1)..close]) + "\n";
    }

    /// <summary>The names of every recipe block in the guide.</summary>
    public static IReadOnlyList<string> Names() =>
        Guide.Value.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("<!-- recipe: ", StringComparison.Ordinal)).Select(l => l["<!-- recipe: ".Length..^" -->".Length]).ToList();

    /// <summary>Block <paramref name="name"/> with the guide's example values replaced by <paramref name="values"/>.</summary>
    public static string Block(string name, Values values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var text = Block(name);
        // Longest first: the gateway's name contains the domain.
        foreach (var (example, actual) in new[]
        {
            ($"curl -fsS {ListeBlancheUrl}", "cat " + ExternalProcess.Quote(values.ListeBlancheFile)),
            ($"[{ExampleGateway}]:587", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[{values.GatewayHost}]:{values.GatewayPort}")),
            (ExampleMapDirectory, values.MapDirectory.TrimEnd('/') + "/"),
            (ExampleHost, values.HostName),
            (ExampleDomain, values.Domain),
        })
        {
            text = text.Replace(example, actual, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The test's values for the guide's examples.</summary>
    public sealed record Values(string GatewayHost, int GatewayPort, string MapDirectory, string Domain, string HostName, string ListeBlancheFile);
}
