using MssGateway.Smtp;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Documentation;

/// <summary>
/// docs/smtp.md "Gateway replies" is the verdict table (<see cref="GatewayVerdicts"/>) written out: every row
/// of the table has its line with its code, enhanced code and reason, and every line names a row of the
/// table — so neither side can change alone. (The engine's own table is tested by the engine's tests.)
/// </summary>
public sealed class ReplyDocumentationTests
{
    private static HashSet<(int Code, string Enhanced, string Reason)> Table() =>
        GatewayVerdicts.All.Select(v => (v.Reply.Code, v.Reply.EnhancedCode ?? string.Empty, v.Reason)).ToHashSet();

    /// <summary>The lines of the "Gateway replies" table as (code, enhanced, reason).</summary>
    internal static List<(int Code, string Enhanced, string Reason)> DocumentedGatewayReplies()
    {
        var lines = File.ReadAllLines(RepositoryPaths.Combine("docs", "smtp.md"));
        var start = Array.FindIndex(lines, l => l.StartsWith("### Gateway replies", StringComparison.Ordinal));
        Assert.True(start >= 0, "docs/smtp.md has no '### Gateway replies' section");
        var rows = new List<(int, string, string)>();
        foreach (var line in lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2))
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            rows.Add((int.Parse(cells[1], System.Globalization.CultureInfo.InvariantCulture), cells[2], cells[3].Trim('`')));
        }

        return rows;
    }

    [Fact]
    public void Every_verdict_reply_has_its_line_in_the_gateway_replies_table()
    {
        var documented = DocumentedGatewayReplies().ToHashSet();
        var missing = Table().Where(r => !documented.Contains(r)).Select(r => $"| {r.Code} | {r.Enhanced} | `{r.Reason}` | … |").ToList();
        Assert.True(missing.Count == 0, "docs/smtp.md \"Gateway replies\" lacks:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Every_line_of_the_gateway_replies_table_is_a_reply_of_the_verdict_table()
    {
        var table = Table();
        var documented = DocumentedGatewayReplies();
        Assert.NotEmpty(documented);
        var unknown = documented.Where(r => !table.Contains(r)).Select(r => $"{r.Code} {r.Enhanced} {r.Reason}").ToList();
        Assert.True(unknown.Count == 0, "docs/smtp.md \"Gateway replies\" lists replies GatewayVerdicts does not give: " + string.Join(", ", unknown));
        Assert.Equal(documented.Count, documented.Distinct().Count());
    }

    [Fact]
    public void Every_limit_option_is_documented()
    {
        var doc = File.ReadAllText(RepositoryPaths.Combine("docs", "smtp.md"));
        foreach (var p in typeof(SmtpServerLimits).GetProperties())
        {
            Assert.Contains($"`{p.Name}`", doc, StringComparison.Ordinal);
        }
    }
}
