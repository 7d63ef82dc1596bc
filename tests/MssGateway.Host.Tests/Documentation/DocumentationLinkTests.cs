using System.Text;
using System.Text.RegularExpressions;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Documentation;

/// <summary>
/// The repository's Markdown (docs/, README.md, the chart's, bench/ and docker/ notes) links only to files
/// that exist and to headings that exist, under the anchor GitHub gives them: a reader who follows a link
/// from one figure to its table lands on it. Links inside code (fenced blocks, code spans) and to other sites are not followed.
/// </summary>
public sealed partial class DocumentationLinkTests
{
    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex("`[^`]*`")]
    private static partial Regex CodeSpanPattern();

    [GeneratedRegex("^[a-z][a-z0-9+.-]*:")]
    private static partial Regex SchemePattern();

    private static IEnumerable<string> MarkdownFiles()
    {
        var root = RepositoryPaths.Root;
        yield return Path.Combine(root, "README.md");
        foreach (var folder in new[] { "docs", "helm", "bench", "docker" })
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(Path.Combine(root, folder), "*.md", SearchOption.AllDirectories))
            {
                if (!file.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                {
                    yield return file;
                }
            }
        }
    }

    /// <summary>Lines outside fenced code blocks, with their numbers.</summary>
    private static IEnumerable<(int Number, string Text)> ProseLines(string file)
    {
        var fenced = false;
        var number = 0;
        foreach (var line in File.ReadLines(file))
        {
            number++;
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            if (!fenced)
            {
                yield return (number, line);
            }
        }
    }

    /// <summary>GitHub's anchor for a heading: lower case, what is not a letter, digit, space, hyphen or underscore dropped, spaces as hyphens.</summary>
    internal static string Anchor(string heading)
    {
        var text = new StringBuilder();
        foreach (var c in heading.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                text.Append(c);
            }
            else if (c == ' ')
            {
                text.Append('-');
            }
        }

        return text.ToString();
    }

    private static HashSet<string> Anchors(string file)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, line) in ProseLines(file))
        {
            var m = HeadingPattern().Match(line);
            if (!m.Success)
            {
                continue;
            }

            var anchor = Anchor(m.Groups["text"].Value);
            if (seen.TryGetValue(anchor, out var count))
            {
                seen[anchor] = count + 1;
                anchor = $"{anchor}-{count + 1}"; // GitHub numbers the repeats of a heading
            }
            else
            {
                seen[anchor] = 0;
            }

            anchors.Add(anchor);
        }

        return anchors;
    }

    [Theory]
    [InlineData("Issue 13: system calls per message, one open per pass (2026-12-03, 09:46–10:16 UTC, a new machine)", "issue-13-system-calls-per-message-one-open-per-pass-2026-12-03-09461016-utc-a-new-machine")]
    [InlineData("mssgw against Postfix as relay, end to end (`bench/compare-postfix-e2e.sh`)", "mssgw-against-postfix-as-relay-end-to-end-benchcompare-postfix-e2esh")]
    [InlineData("6. Options (`Gateway:Delivery`)", "6-options-gatewaydelivery")]
    public void The_anchor_of_a_heading_is_the_one_GitHub_gives_it(string heading, string anchor) => Assert.Equal(anchor, Anchor(heading));

    [Fact]
    public void Every_relative_link_names_a_file_that_exists_and_a_heading_that_exists_in_it()
    {
        var broken = new List<string>();
        var anchorsByFile = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var links = 0;
        foreach (var file in MarkdownFiles())
        {
            foreach (var (number, line) in ProseLines(file))
            {
                // A link written inside a code span (`[text](file.md#heading)`, an example) is not a link.
                foreach (Match m in LinkPattern().Matches(CodeSpanPattern().Replace(line, string.Empty)))
                {
                    var target = m.Groups["target"].Value;
                    if (SchemePattern().IsMatch(target))
                    {
                        continue; // https:, mailto: — another site's
                    }

                    links++;
                    var hash = target.IndexOf('#', StringComparison.Ordinal);
                    var path = hash < 0 ? target : target[..hash];
                    var resolved = path.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, Uri.UnescapeDataString(path)));
                    var where = $"{Path.GetRelativePath(RepositoryPaths.Root, file)}:{number}: {target}";
                    if (!File.Exists(resolved) && !System.IO.Directory.Exists(resolved))
                    {
                        broken.Add($"{where} (no such file)");
                        continue;
                    }

                    if (hash < 0 || !resolved.EndsWith(".md", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    if (!anchorsByFile.TryGetValue(resolved, out var anchors))
                    {
                        anchorsByFile[resolved] = anchors = Anchors(resolved);
                    }

                    if (!anchors.Contains(target[(hash + 1)..]))
                    {
                        broken.Add($"{where} (no such heading)");
                    }
                }
            }
        }

        Assert.True(links > 50, $"only {links} relative links found: the pattern no longer matches the docs");
        Assert.True(broken.Count == 0, "broken links:\n" + string.Join('\n', broken));
    }
}
