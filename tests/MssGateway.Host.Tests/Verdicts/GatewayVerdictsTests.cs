using System.Reflection;
using MssGateway.Policy;
using MssGateway.Smtp;
using MssGateway.Trust;

namespace MssGateway.Host.Tests.Verdicts;

/// <summary>
/// The one table from verdicts to replies: complete (every value of every verdict enum has one row), pinned to
/// the public codes of DESIGN.md §3 (a code cannot change unnoticed), using the components' own labels, and
/// the only place in the host where a refusal is declared.
/// </summary>
public sealed class GatewayVerdictsTests
{
    [Fact]
    public void Every_value_of_every_verdict_enum_has_exactly_one_row()
    {
        foreach (var type in GatewayVerdicts.VerdictTypes)
        {
            foreach (var value in Enum.GetValues(type).Cast<Enum>())
            {
                Assert.Single(GatewayVerdicts.All, v => v.Verdict.Equals(value));
            }
        }

        Assert.Equal(GatewayVerdicts.VerdictTypes.Sum(t => Enum.GetValues(t).Length), GatewayVerdicts.All.Count);
    }

    public static TheoryData<string, int, string> PublicReplies() => new()
    {
        { "client_cert_missing", 530, "5.7.0" },
        { "client_cert_untrusted", 535, "5.7.8" },
        { "client_cert_expired", 535, "5.7.8" },
        { "client_cert_revoked", 535, "5.7.8" },
        { "client_cert_revocation_unknown", 535, "5.7.8" },
        { "client_cert_usage", 535, "5.7.8" },
        { "sender_not_bound", 550, "5.7.1" },
        { "domain_not_authorised", 550, "5.7.1" },
        { "header_from_not_bound", 550, "5.7.1" },
        { "relay_denied", 550, "5.7.1" },
        { "recipient_unknown", 550, "5.1.1" },
        { "address_unsafe_characters", 553, "5.1.3" },
        { "mime_malformed", 550, "5.6.0" },
        { "mime_too_complex", 554, "5.6.0" },
        { "attachments_too_big", 552, "5.3.4" },
        { "smime_invalid", 550, "5.7.7" },
        { "smime_untrusted", 550, "5.7.5" },
        { "smime_weak_algorithm", 550, "5.7.5" },
        { "smime_partial", 550, "5.7.1" },
        { "smime_signer_mismatch", 550, "5.7.1" },
        { "smime_missing", 550, "5.7.1" },
        { "directory_unavailable", 451, "4.4.3" },
        { "insufficient_storage", 452, "4.3.1" },
        { "shutting_down", 421, "4.3.2" },
    };

    [Theory]
    [MemberData(nameof(PublicReplies))]
    public void Each_reason_keeps_its_public_reply(string reason, int code, string enhanced)
    {
        var rows = GatewayVerdicts.All.Where(v => v.Reason == reason).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, v => Assert.Equal((code, enhanced), (v.Reply.Code, v.Reply.EnhancedCode)));
    }

    [Fact]
    public void Every_row_is_a_refusal_with_a_reason_a_log_event_and_metrics()
    {
        var events = typeof(GatewayVerdicts).Assembly.GetType("MssGateway.Host.GatewayLog")!
            .GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(m => m.GetCustomAttribute<Microsoft.Extensions.Logging.LoggerMessageAttribute>()?.EventName)
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var row in GatewayVerdicts.All)
        {
            Assert.False(row.Reply.IsPositive);
            Assert.Matches("^[a-z0-9_]+$", row.Reason);
            Assert.All(row.LogEvent.Split(" or "), e => Assert.Contains(e, events));
            Assert.Contains("mssgw_smtp_refusals_total", row.Metrics);
        }
    }

    [Fact]
    public void Component_verdicts_carry_the_components_own_labels()
    {
        foreach (var r in Enum.GetValues<CertificateRefusal>())
        {
            Assert.Equal(r.ToLabel(), GatewayVerdicts.Reply(r).Reason);
        }

        foreach (var r in Enum.GetValues<SenderRefusal>())
        {
            Assert.Equal(r.ToLabel(), GatewayVerdicts.Reply(r).Reason);
        }

        foreach (var r in Enum.GetValues<PolicyRefusal>())
        {
            Assert.Equal(r.ToLabel(), GatewayVerdicts.Reply(r).Reason);
        }
    }

    [Fact]
    public void A_reason_label_means_one_reply_code_wherever_it_is_given()
    {
        var engine = SmtpReplies.All.Where(r => r.Reason is not null).Select(r => (r.Reason!, r.Code, r.EnhancedCode));
        var table = GatewayVerdicts.All.Select(v => (v.Reason, v.Reply.Code, v.Reply.EnhancedCode));
        foreach (var group in engine.Concat(table).GroupBy(r => r.Item1, StringComparer.Ordinal))
        {
            // bad_sequence and syntax_error are the engine's, several texts, one code each.
            Assert.Single(group.Select(r => (r.Code, r.EnhancedCode)).Distinct());
        }
    }

    [Fact]
    public void The_host_declares_no_refusal_outside_the_verdict_table()
    {
        const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var stray = typeof(GatewayVerdicts).Assembly.GetTypes()
            .Where(t => t != typeof(GatewayVerdicts) && !t.ContainsGenericParameters)
            .SelectMany(t => t.GetProperties(Static).Where(p => p.PropertyType == typeof(SmtpReply) && p.GetIndexParameters().Length == 0).Select(p => t.Name + "." + p.Name)
                .Concat(t.GetFields(Static).Where(f => f.FieldType == typeof(SmtpReply) || f.FieldType == typeof(SmtpReply[])).Select(f => t.Name + "." + f.Name)))
            .ToList();
        Assert.Empty(stray);
    }
}
