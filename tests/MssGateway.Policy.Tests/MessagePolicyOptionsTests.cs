using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MssGateway.Testing;

namespace MssGateway.Policy.Tests;

/// <summary>Options: defaults, start-up validation naming the key, and docs/policy.md kept in step.</summary>
public sealed class MessagePolicyOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_limits()
    {
        var o = new MessagePolicyOptions();

        Assert.Equal(10_485_760, o.MaxAttachmentBytes);
        Assert.Equal(32, o.MaxMimeDepth);
        Assert.Equal(1000, o.MaxMimeParts);
        Assert.Equal(262_144, o.MaxHeaderBytes);
        Assert.Equal(1_048_576, o.MaxSignatureBytes);
    }

    [Theory]
    [InlineData("AuthServId", null, "Gateway:Policy:AuthServId")]
    [InlineData("AuthServId", "gw example;", "Gateway:Policy:AuthServId")]
    [InlineData("MaxAttachmentBytes", "0", "Gateway:Policy:MaxAttachmentBytes")]
    [InlineData("MaxMimeDepth", "1", "Gateway:Policy:MaxMimeDepth")]
    [InlineData("MaxMimeParts", "1", "Gateway:Policy:MaxMimeParts")]
    [InlineData("MaxHeaderBytes", "10", "Gateway:Policy:MaxHeaderBytes")]
    [InlineData("TempPath", "/nonexistent/mssgw", "Gateway:Policy:TempPath")]
    public void Invalid_settings_fail_at_start_up_naming_the_key(string key, string? value, string named)
    {
        var settings = new Dictionary<string, string?> { ["Gateway:Policy:AuthServId"] = "gw.test", ["Gateway:Policy:" + key] = value };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddMessagePolicy().BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<MessagePolicyOptions>>().Value);

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Docs_list_every_option_reason_and_verdict()
    {
        var docs = File.ReadAllText(RepositoryPaths.Combine("docs", "policy.md"));

        foreach (var p in typeof(MessagePolicyOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.Contains($"`{p.Name}`", docs, StringComparison.Ordinal);
        }

        foreach (var label in PolicyLabels.All)
        {
            Assert.Contains($"`{label}`", docs, StringComparison.Ordinal);
        }

        foreach (var v in SmimeVerdictLabels.All)
        {
            Assert.Contains($"`{v}`", docs, StringComparison.Ordinal);
        }

        foreach (var m in new[] { "mssgw_smime_verdicts_total", "mssgw_policy_refusals_total", "mssgw_attachment_bytes" })
        {
            Assert.Contains(m, docs, StringComparison.Ordinal);
        }
    }
}
