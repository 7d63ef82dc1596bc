using System.IO.Pipelines;
using System.Reflection;
using Microsoft.Extensions.Time.Testing;
using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// The engine's replies are declared once, in SmtpReplies, and the catalogue is complete by construction:
/// <c>All</c> is every declared reply, the engine's writer refuses any reply of its own made elsewhere, and
/// docs/smtp.md's engine table lists exactly the catalogue (both ways).
/// </summary>
public sealed class ReplyCatalogueTests
{
    private static IEnumerable<(int Code, string Enhanced, string Reason)> Catalogue() =>
        SmtpReplies.All.Select(r => (r.Code, r.EnhancedCode ?? string.Empty, r.Reason ?? string.Empty)).Distinct();

    private static List<(int Code, string Enhanced, string Reason)> DocumentedEngineReplies()
    {
        var lines = File.ReadAllLines(RepositoryPaths.Combine("docs", "smtp.md"));
        var start = Array.FindIndex(lines, l => l.StartsWith("### Engine replies", StringComparison.Ordinal));
        Assert.True(start >= 0, "docs/smtp.md has no '### Engine replies' section");
        var rows = new List<(int, string, string)>();
        foreach (var line in lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2))
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            rows.Add((int.Parse(cells[1], System.Globalization.CultureInfo.InvariantCulture), cells[2], cells[3].Trim('`')));
        }

        return rows;
    }

    [Fact]
    public void All_holds_every_reply_the_catalogue_declares()
    {
        var declared = typeof(SmtpReplies).GetProperties(BindingFlags.Public | BindingFlags.Static).Where(p => p.PropertyType == typeof(SmtpReply)).ToList();
        Assert.Equal(declared.Count, SmtpReplies.All.Count);
        foreach (var name in new[] { nameof(SmtpReplies.Smuggling), nameof(SmtpReplies.NoopOk), nameof(SmtpReplies.Timeout), nameof(SmtpReplies.TooManyErrors), nameof(SmtpReplies.BdatSyntax), nameof(SmtpReplies.TooManyConnectionsFromIp) })
        {
            Assert.Contains((SmtpReply)typeof(SmtpReplies).GetProperty(name)!.GetValue(null)!, SmtpReplies.All);
        }
    }

    [Fact]
    public void A_reply_with_other_text_stays_a_catalogue_reply()
    {
        Assert.True(SmtpReplies.IsDeclared(SmtpReplies.SyntaxError.WithText("DATA takes no argument")));
        Assert.True(SmtpReplies.IsDeclared(SmtpReplies.SyntaxError.WithText("a").WithText("b")));
        Assert.False(SmtpReplies.IsDeclared(new SmtpReply(501, "5.5.4", "syntax_error", "made elsewhere")));
    }

    [Fact]
    public void The_engine_cannot_send_a_reply_of_its_own_that_is_not_in_the_catalogue()
    {
        var pipe = new Pipe();
        var writer = new SmtpReplyWriter(pipe.Writer, new FakeTimeProvider(), new SmtpServerLimits());
        writer.Write(SmtpReplies.Bye);
        Assert.Throws<InvalidOperationException>(() => writer.Write(new SmtpReply(550, "5.7.1", "invented", "Not declared")));
        writer.WriteProductReply(new SmtpReply(550, "5.7.1", "sender_not_bound", "The product's own refusal"));
    }

    [Fact]
    public void Every_engine_reply_is_in_the_engine_table_of_the_docs()
    {
        var documented = DocumentedEngineReplies();
        foreach (var reply in Catalogue())
        {
            Assert.True(documented.Contains(reply), $"docs/smtp.md 'Engine replies' has no row | {reply.Code} | {reply.Enhanced} | `{reply.Reason}` |");
        }
    }

    [Fact]
    public void Every_row_of_the_engine_table_is_an_engine_reply()
    {
        var catalogue = Catalogue().ToHashSet();
        foreach (var row in DocumentedEngineReplies())
        {
            Assert.True(catalogue.Contains(row), $"docs/smtp.md 'Engine replies' lists | {row.Code} | {row.Enhanced} | `{row.Reason}` | which the engine does not declare");
        }
    }
}
