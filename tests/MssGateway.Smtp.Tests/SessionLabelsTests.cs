using MssGateway.Testing;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// Issue 14 point 4: the session's stages and end reasons are enums rendered in one place
/// (<see cref="SmtpSessionLabels"/>). The labels are what dashboards, alerts and log searches select
/// on, so they must stay the strings the engine wrote before the enums, and docs/smtp.md lists
/// exactly them (both ways).
/// </summary>
public sealed class SessionLabelsTests
{
    // The literals the engine passed before the enums (commit 2ce169f), written out on purpose.
    private static readonly Dictionary<SmtpStage, string> StagesBefore = new()
    {
        [SmtpStage.Connect] = "connect",
        [SmtpStage.Tls] = "tls",
        [SmtpStage.Helo] = "helo",
        [SmtpStage.Mail] = "mail",
        [SmtpStage.Rcpt] = "rcpt",
        [SmtpStage.Data] = "data",
        [SmtpStage.Command] = "command",
    };

    private static readonly Dictionary<SmtpEndReason, string> EndReasonsBefore = new()
    {
        [SmtpEndReason.ClientClosed] = "client_closed",
        [SmtpEndReason.Quit] = "quit",
        [SmtpEndReason.Timeout] = "timeout",
        [SmtpEndReason.TooManyErrors] = "too_many_errors",
        [SmtpEndReason.TooManyMessages] = "too_many_messages",
        [SmtpEndReason.ShuttingDown] = "shutting_down",
        [SmtpEndReason.TlsFailed] = "tls_failed",
        [SmtpEndReason.Refused] = "refused",
        [SmtpEndReason.Error] = "error",
    };

    [Fact]
    public void Every_stage_renders_the_label_the_metrics_carried_before()
    {
        Assert.Equal(StagesBefore.Keys.Order(), Enum.GetValues<SmtpStage>().Order());
        foreach (var (stage, label) in StagesBefore)
        {
            Assert.Equal(label, stage.ToLabel());
        }
    }

    [Fact]
    public void Every_end_reason_renders_the_label_the_session_log_carried_before()
    {
        Assert.Equal(EndReasonsBefore.Keys.Order(), Enum.GetValues<SmtpEndReason>().Order());
        foreach (var (reason, label) in EndReasonsBefore)
        {
            Assert.Equal(label, reason.ToLabel());
        }
    }

    [Fact]
    public void A_value_outside_the_enum_is_a_bug_not_a_label()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ((SmtpStage)99).ToLabel());
        Assert.Throws<ArgumentOutOfRangeException>(() => ((SmtpEndReason)99).ToLabel());
    }

    [Fact]
    public void The_session_summary_carries_the_rendered_end_reason()
    {
        var summary = new SmtpSessionSummary { Duration = TimeSpan.Zero, MessagesAccepted = 0, MessagesRefused = 0, End = SmtpEndReason.TooManyErrors };
        Assert.Equal("too_many_errors", summary.EndReason);
    }

    [Theory]
    [InlineData("### Session stages")]
    [InlineData("### Session end reasons")]
    public void Docs_list_exactly_the_labels_the_engine_renders(string section)
    {
        var rendered = section.EndsWith("stages", StringComparison.Ordinal)
            ? Enum.GetValues<SmtpStage>().Select(s => s.ToLabel())
            : Enum.GetValues<SmtpEndReason>().Select(r => r.ToLabel());
        Assert.Equal(rendered.Order(StringComparer.Ordinal), DocumentedLabels(section).Order(StringComparer.Ordinal));
    }

    private static List<string> DocumentedLabels(string section)
    {
        var lines = File.ReadAllLines(RepositoryPaths.Combine("docs", "smtp.md"));
        var start = Array.FindIndex(lines, l => l.Trim() == section);
        Assert.True(start >= 0, $"docs/smtp.md has no '{section}' section");
        return [.. lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2)
            .Select(l => l.Split('|')[1].Trim().Trim('`'))];
    }
}
