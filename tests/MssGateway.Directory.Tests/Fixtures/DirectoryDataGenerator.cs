using System.Globalization;
using System.Text;

namespace MssGateway.Directory.Tests.Fixtures;

/// <summary>
/// Deterministic synthetic directories (no real person): the same mailbox i in LDIF (for slapd) and
/// in the real 31-column layout of Extraction_Correspondance_MSSante. Shared with bench/DirectoryBench.
/// Every two consecutive personal mailboxes share a holder (one national identifier, two mailboxes).
/// </summary>
public static class DirectoryDataGenerator
{
    public const string Suffix = "dc=mssante,dc=test";

    public const string FlatFileHeader =
        "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé de catégorie profession|Code Profession|Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|Enseigne commerciale structure BAL|L2COMPLEMENTLOCALISATION|L3COMPLEMENTDISTRIBUTION|L4NUMEROVOIE|L4COMPLEMENTNUMEROVOIE|NL4TYPEVOIE|L4LIBELLEVOIE|L5LIEUDITMENTION|L6LIGNEACHEMINEMENT|Code postal|Département|Pays";

    public static string Address(int i, string tag = "") => string.Create(CultureInfo.InvariantCulture, $"pro{tag}{i:D7}@etab{i % 97:D2}.mssante.test");

    public static MailboxKind Kind(int i) => (i % 20) switch
    {
        0 or 10 => MailboxKind.Organisational,
        1 => MailboxKind.Applicative,
        2 => MailboxKind.Practice,
        _ => MailboxKind.Personal,
    };

    public static string? NationalIdentifier(int i) => Kind(i) == MailboxKind.Personal ? string.Create(CultureInfo.InvariantCulture, $"8{10000000000L + (i / 2):D11}") : null;

    public static MailboxEntry Entry(int i, string tag = "", string profession = "Médecin") => new()
    {
        Address = Address(i, tag),
        Kind = Kind(i),
        NationalIdentifier = NationalIdentifier(i),
        LastName = Kind(i) == MailboxKind.Personal ? string.Create(CultureInfo.InvariantCulture, $"NOM{i}") : null,
        FirstName = Kind(i) == MailboxKind.Personal ? string.Create(CultureInfo.InvariantCulture, $"Élodie{i}") : null,
        Profession = Kind(i) == MailboxKind.Personal ? profession : null,
        StructureIdentifier = string.Create(CultureInfo.InvariantCulture, $"1750{i % 1000:D5}"),
        OperatorDomain = string.Create(CultureInfo.InvariantCulture, $"etab{i % 97:D2}.mssante.test"),
    };

    public static string KindCode(MailboxKind kind) => kind switch
    {
        MailboxKind.Organisational => "ORG",
        MailboxKind.Applicative => "APP",
        MailboxKind.Practice => "CAB",
        _ => "PER",
    };

    /// <summary>LDIF of the suffix, the OU and <paramref name="count"/> mailboxes (for slapadd or ldapadd).</summary>
    public static void WriteLdif(TextWriter w, int count, string ou = "mailboxes", string tag = "", bool withSuffix = true, int start = 0)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (withSuffix)
        {
            w.Write($"dn: {Suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: mssante\no: MSSante test\n\n");
        }

        w.Write($"dn: ou={ou},{Suffix}\nobjectClass: organizationalUnit\nou: {ou}\n\n");
        for (var i = start; i < start + count; i++)
        {
            WriteLdifEntry(w, Entry(i, tag), ou, i);
        }
    }

    public static void WriteLdifEntry(TextWriter w, MailboxEntry e, string ou, int i)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(e);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"dn: uid=m{i:D7},ou={ou},{Suffix}\nobjectClass: mssanteMailbox\nuid: m{i:D7}\nmail: {e.Address}\nmssanteMailboxType: {KindCode(e.Kind)}\n");
        Attr(sb, "hcIdentifier", e.NationalIdentifier);
        Attr(sb, "sn", e.LastName);
        Attr(sb, "givenName", e.FirstName);
        Attr(sb, "hcProfession", e.Profession);
        Attr(sb, "hcOrganizationIdentifier", e.StructureIdentifier);
        sb.Append('\n');
        w.Write(sb.ToString());
    }

    /// <summary>
    /// The extraction in its real layout: header, then one line per mailbox; every tenth mailbox
    /// appears twice (as in the real file, where an address can have several lines).
    /// </summary>
    /// <summary>
    /// The extraction with <paramref name="count"/> mailboxes (every tenth line twice). With
    /// <paramref name="trailingBar"/> every line ends with a '|', header included, as ANS's other
    /// pipe-separated extractions do; <paramref name="trailingBarOnDataLinesOnly"/> leaves the header without it.
    /// </summary>
    public static void WriteFlatFile(TextWriter w, int count, string tag = "", string profession = "Médecin", bool trailingBar = false, bool trailingBarOnDataLinesOnly = false)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.Write(FlatFileHeader);
        w.Write(trailingBar && !trailingBarOnDataLinesOnly ? "|\n" : "\n");
        for (var i = 0; i < count; i++)
        {
            var line = FlatFileLine(Entry(i, tag, profession)) + (trailingBar ? "|" : "");
            w.Write(line);
            w.Write('\n');
            if (i % 10 == 5)
            {
                w.Write(line);
                w.Write('\n');
            }
        }
    }

    public static string FlatFileLine(MailboxEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var f = new string[31];
        Array.Fill(f, string.Empty);
        f[0] = KindCode(e.Kind);
        f[1] = e.Address;
        if (e.NationalIdentifier is { } id)
        {
            f[2] = "8";
            f[3] = id[1..];
            f[4] = id;
        }

        f[5] = "1";
        f[6] = e.StructureIdentifier ?? string.Empty;
        f[8] = e.Kind == MailboxKind.Personal ? "DR" : string.Empty;
        f[9] = e.LastName ?? string.Empty;
        f[10] = e.FirstName ?? string.Empty;
        f[11] = "C";
        f[12] = "Civil";
        f[13] = e.Profession is null ? string.Empty : "10";
        f[14] = e.Profession ?? string.Empty;
        f[17] = "O";
        f[18] = "CENTRE HOSPITALIER DE TEST";
        f[22] = "1";
        f[24] = "R";
        f[25] = "DE LA SANTE";
        f[27] = "75014 PARIS";
        f[28] = "75014";
        f[29] = "75";
        f[30] = "France";
        return string.Join('|', f);
    }

    private static void Attr(StringBuilder sb, string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        if (value.Any(c => c > 127))
        {
            sb.Append(CultureInfo.InvariantCulture, $"{name}:: {Convert.ToBase64String(Encoding.UTF8.GetBytes(value))}\n");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"{name}: {value}\n");
        }
    }
}
