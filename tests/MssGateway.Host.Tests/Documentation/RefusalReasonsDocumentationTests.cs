using System.Reflection;
using System.Text.RegularExpressions;
using MssGateway.Smtp;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Documentation;

/// <summary>
/// docs/refusal-reasons.md ("reason → what it means → what to check") against the replies, both ways. The
/// replies are read from code — the verdict table (<see cref="GatewayVerdicts"/>) and every static
/// <see cref="SmtpReply"/> (property, field or list) of the gateway's assemblies — not from a hand list, so a
/// reply added anywhere needs its row, and a row whose reason no code gives any more fails too.
/// </summary>
public sealed partial class RefusalReasonsDocumentationTests
{
    private static readonly Assembly[] GatewayAssemblies =
    [
        typeof(SmtpReplies).Assembly, typeof(GatewayVerdicts).Assembly, typeof(MssGateway.Trust.TrustLabels).Assembly,
        typeof(MssGateway.Policy.PolicyLabels).Assembly, typeof(MssGateway.Delivery.QueueCommand).Assembly, typeof(MssGateway.Directory.AddressKey).Assembly,
    ];

    /// <summary>Every refusal the code declares: reason → its (code, enhanced code) pairs.</summary>
    private static Dictionary<string, SortedSet<string>> Catalogue()
    {
        var replies = GatewayVerdicts.All.Select(v => v.Reply).ToList();
        foreach (var type in GatewayAssemblies.Distinct().SelectMany(a => a.GetTypes()))
        {
            const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var values = type.GetProperties(Static).Where(p => p.GetIndexParameters().Length == 0 && !type.ContainsGenericParameters).Select(p => Read(() => p.GetValue(null)))
                .Concat(type.GetFields(Static).Where(f => !type.ContainsGenericParameters).Select(f => Read(() => f.GetValue(null))));
            foreach (var value in values)
            {
                switch (value)
                {
                    case SmtpReply r:
                        replies.Add(r);
                        break;
                    case IEnumerable<SmtpReply> list:
                        replies.AddRange(list);
                        break;
                }
            }
        }

        return replies.Where(r => r.Reason is not null && !r.IsPositive)
            .GroupBy(r => r.Reason!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new SortedSet<string>(g.Select(r => $"{r.Code} {r.EnhancedCode}"), StringComparer.Ordinal), StringComparer.Ordinal);
    }

    private static object? Read(Func<object?> get)
    {
        try
        {
            return get();
        }
        catch (TargetInvocationException)
        {
            return null; // a static that needs a running host; not a reply declaration
        }
        catch (NotSupportedException)
        {
            return null; // a static reflection cannot read (a ref-struct or span property): not a reply
        }
    }

    /// <summary>The rows of the "Replies" table: reason → the reply column's text.</summary>
    private static Dictionary<string, string> DocumentedReplies()
    {
        var doc = File.ReadAllText(RepositoryPaths.Combine("docs", "refusal-reasons.md"));
        var section = doc[doc.IndexOf("## Replies", StringComparison.Ordinal)..doc.IndexOf("## Delivery reasons", StringComparison.Ordinal)];
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in Row().Matches(section))
        {
            rows.Add(m.Groups["reason"].Value, m.Groups["reply"].Value);
        }

        return rows;
    }

    [GeneratedRegex(@"^\| `(?<reason>[a-z0-9_]+)` \| (?<reply>[^|]+) \| [^|]+ \| [^|]+ \|\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex Row();

    [Fact]
    public void Every_refusal_reason_in_the_code_has_its_row_with_each_of_its_codes()
    {
        var documented = DocumentedReplies();
        var missing = new List<string>();
        foreach (var (reason, codes) in Catalogue().OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (!documented.TryGetValue(reason, out var reply) || codes.Any(c => !reply.Contains(c, StringComparison.Ordinal)))
            {
                missing.Add($"| `{reason}` | {string.Join(" / ", codes)} | … | … |");
            }
        }

        Assert.True(missing.Count == 0, "docs/refusal-reasons.md lacks these rows (or their codes):\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Every_documented_reply_reason_is_one_the_code_gives_with_those_codes()
    {
        var catalogue = Catalogue();
        foreach (var (reason, reply) in DocumentedReplies())
        {
            Assert.True(catalogue.ContainsKey(reason), $"docs/refusal-reasons.md documents `{reason}`, which no reply in the code has");
            foreach (Match code in Regex.Matches(reply, @"\b[245]\d\d [245]\.\d{1,3}\.\d{1,3}\b"))
            {
                Assert.Contains(code.Value, catalogue[reason]);
            }
        }
    }

    /// <summary>The rows of the "Delivery reasons" table: reason → the reply column's text.</summary>
    private static Dictionary<string, string> DocumentedDeliveryReasons()
    {
        var doc = File.ReadAllText(RepositoryPaths.Combine("docs", "refusal-reasons.md"));
        var section = doc[doc.IndexOf("## Delivery reasons", StringComparison.Ordinal)..];
        return Row().Matches(section).ToDictionary(m => m.Groups["reason"].Value, m => m.Groups["reply"].Value, StringComparer.Ordinal);
    }

    [Fact]
    public void Every_delivery_failure_has_its_row_with_its_code()
    {
        var documented = DocumentedDeliveryReasons();
        var missing = MssGateway.Delivery.DeliveryFailures.All
            .Where(f => !documented.TryGetValue(MssGateway.Delivery.DeliveryFailures.ToLabel(f), out var reply) || !reply.Contains($"{MssGateway.Delivery.DeliveryFailures.Code(f)} {MssGateway.Delivery.DeliveryFailures.EnhancedCode(f)}", StringComparison.Ordinal))
            .Select(f => $"| `{MssGateway.Delivery.DeliveryFailures.ToLabel(f)}` | {MssGateway.Delivery.DeliveryFailures.Code(f)} {MssGateway.Delivery.DeliveryFailures.EnhancedCode(f)} | … | … |").ToList();
        Assert.True(missing.Count == 0, "docs/refusal-reasons.md \"Delivery reasons\" lacks:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Every_documented_delivery_reason_is_a_delivery_failure_with_that_code()
    {
        var failures = MssGateway.Delivery.DeliveryFailures.All.ToDictionary(f => MssGateway.Delivery.DeliveryFailures.ToLabel(f), StringComparer.Ordinal);
        var documented = DocumentedDeliveryReasons();
        Assert.NotEmpty(documented);
        foreach (var (reason, reply) in documented)
        {
            Assert.True(failures.TryGetValue(reason, out var failure), $"delivery reason `{reason}` is documented but DeliveryFailures has no such failure");
            Assert.Equal($"{MssGateway.Delivery.DeliveryFailures.Code(failure)} {MssGateway.Delivery.DeliveryFailures.EnhancedCode(failure)}", reply.Trim());
        }
    }
}
