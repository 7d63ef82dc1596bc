using MssGateway.Smtp;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Documentation;

/// <summary>docs/smtp.md lists every refusal the engine and the gateway can give, with its codes.</summary>
public sealed class ReplyDocumentationTests
{
    public static TheoryData<int, string, string> Refusals()
    {
        var data = new TheoryData<int, string, string>();
        foreach (var r in SmtpReplies.All.Concat(GatewayReplies.All).Where(r => r.Reason is not null).DistinctBy(r => (r.Code, r.EnhancedCode, r.Reason)))
        {
            data.Add(r.Code, r.EnhancedCode!, r.Reason!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Every_refusal_is_documented_with_its_codes(int code, string enhanced, string reason)
    {
        var rows = File.ReadAllLines(RepositoryPaths.Combine("docs", "smtp.md")).Where(l => l.StartsWith('|'));
        Assert.Contains(rows, row => row.Contains($"| {code} |", StringComparison.Ordinal) && row.Contains(enhanced, StringComparison.Ordinal) && row.Contains($"`{reason}`", StringComparison.Ordinal));
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
