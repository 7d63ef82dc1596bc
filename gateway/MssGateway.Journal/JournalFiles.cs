using System.Globalization;
using System.Security.Cryptography;

namespace MssGateway.Journal;

/// <summary>
/// The file set of one instance: <c>&lt;journal&gt;/&lt;instance&gt;/journal-&lt;first seq, 12 digits&gt;.jsonl</c>,
/// so the names sort in chain order. A record's hash is SHA-256 of its line as written (without the
/// line feed), in lower-case hex.
/// </summary>
public static class JournalFiles
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string NameFor(long firstSeq) => "journal-" + firstSeq.ToString("D12", CultureInfo.InvariantCulture) + ".jsonl";

    /// <summary>The journal files of one instance directory, in chain order.</summary>
    public static IReadOnlyList<string> List(string instanceDirectory)
    {
        if (!System.IO.Directory.Exists(instanceDirectory))
        {
            return [];
        }

        var files = System.IO.Directory.GetFiles(instanceDirectory, "journal-*.jsonl");
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>Instance directories under a journal root (or the root itself when it holds journal files).</summary>
    public static IReadOnlyList<string> Instances(string root)
    {
        if (List(root).Count > 0)
        {
            return [root];
        }

        return System.IO.Directory.Exists(root) ? [.. System.IO.Directory.GetDirectories(root).Where(d => List(d).Count > 0).Order(StringComparer.Ordinal)] : [];
    }

    public static string Hash(ReadOnlySpan<byte> line) => Convert.ToHexStringLower(SHA256.HashData(line));

    /// <summary>A name safe as a directory: letters, digits, dot, dash, underscore.</summary>
    public static string SafeInstance(string instance) =>
        new([.. instance.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
}
