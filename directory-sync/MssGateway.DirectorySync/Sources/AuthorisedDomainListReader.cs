using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using MssGateway.Directory;

namespace MssGateway.DirectorySync.Sources;

/// <summary>
/// Parses the MSSanté authorised-domain list (liste blanche, namespace https://listeblanche.mssante.fr/schema):
/// one Domaine element per (Nom, DNCertificatOperateur). Names are normalised like addresses (IDNA
/// Unicode, NFC, lower case); stray newlines and runs of blanks inside values are collapsed.
/// </summary>
public static partial class AuthorisedDomainListReader
{
    public const string Namespace = "https://listeblanche.mssante.fr/schema";

    public static AuthorisedDomainList Parse(Stream xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, IgnoreWhitespace = true };
        var domains = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string? generatedAt = null;
        var sawRoot = false;
        using var reader = XmlReader.Create(xml, settings);
        reader.MoveToContent();
        while (!reader.EOF)
        {
            // ReadElementContentAsString and Skip leave the reader on the next node: do not Read() past it.
            if (reader.NodeType != XmlNodeType.Element || reader.NamespaceURI != Namespace)
            {
                reader.Read();
                continue;
            }

            switch (reader.LocalName)
            {
                case "ListeBlancheMSSante":
                    sawRoot = true;
                    reader.Read();
                    break;
                case "DateDeGeneration":
                    generatedAt = Collapse(reader.ReadElementContentAsString());
                    break;
                case "Domaine":
                    using (var sub = reader.ReadSubtree())
                    {
                        ReadDomain(sub, domains);
                    }

                    reader.Read();
                    break;
                default:
                    reader.Read();
                    break;
            }
        }

        if (!sawRoot)
        {
            throw new InvalidDataException($"not a liste blanche: no ListeBlancheMSSante element in namespace {Namespace}");
        }

        return new AuthorisedDomainList(generatedAt, domains.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value.ToArray(), StringComparer.Ordinal));
    }

    /// <summary>Collapses newlines and blank runs to one space and trims.</summary>
    public static string Collapse(string text) => Blanks().Replace(text ?? string.Empty, " ").Trim();

    /// <summary>A DN as listed, with blanks around RDN separators and line breaks removed (a newline inside a DN is a copy-paste accident).</summary>
    public static string NormaliseSubject(string dn)
    {
        var collapsed = Collapse(dn);
        return SeparatorBlanks().Replace(collapsed, "$1").Normalize(NormalizationForm.FormC);
    }

    private static void ReadDomain(XmlReader sub, Dictionary<string, List<string>> domains)
    {
        string? name = null;
        string? dn = null;
        sub.Read();
        while (!sub.EOF)
        {
            if (sub.NodeType == XmlNodeType.Element && sub.NamespaceURI == Namespace && sub.LocalName == "Nom")
            {
                name = sub.ReadElementContentAsString();
            }
            else if (sub.NodeType == XmlNodeType.Element && sub.NamespaceURI == Namespace && sub.LocalName == "DNCertificatOperateur")
            {
                dn = sub.ReadElementContentAsString();
            }
            else
            {
                sub.Read();
            }
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            return;
        }

        var domain = AddressKey.NormaliseDomain(Collapse(name).Replace(" ", string.Empty, StringComparison.Ordinal));
        if (domain.Length == 0)
        {
            return;
        }

        if (!domains.TryGetValue(domain, out var subjects))
        {
            domains[domain] = subjects = [];
        }

        if (!string.IsNullOrWhiteSpace(dn))
        {
            var subject = NormaliseSubject(dn);
            if (!subjects.Contains(subject, StringComparer.Ordinal))
            {
                subjects.Add(subject);
            }
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Blanks();

    [GeneratedRegex(@"\s*([,+=])\s*")]
    private static partial Regex SeparatorBlanks();
}
