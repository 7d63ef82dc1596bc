using System.Security.Cryptography;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Issue 17 in the chart: an encrypted spool takes its key-encryption keys from a Secret (an existing
/// one, or one created from values and kept on uninstall), and the chart refuses to render an
/// encrypted spool without a key — the gateway would otherwise refuse to start on every pod. The
/// journal's signing key likewise.
/// </summary>
public sealed class ChartSpoolEncryptionTests
{
    [Fact]
    public async Task An_encrypted_spool_without_a_key_is_refused_at_render_naming_the_values_to_set()
    {
        var result = await Helm.RunAsync("template", "mssgw", Helm.ChartDirectory, "--set", "gateway.spool.encryption.enabled=true");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("gateway.spool.encryption.existingSecret", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 32", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_previous_key_missing_from_the_values_is_refused()
    {
        var result = await Helm.RunAsync("template", "mssgw", Helm.ChartDirectory, "--set", "gateway.spool.encryption.enabled=true",
            "--set", "gateway.spool.encryption.keys.spool\\.key=" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            "--set", "gateway.spool.encryption.previousKeys[0]=old.key");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("\"old.key\"", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_secret_is_mounted_and_named_in_the_gateway_settings_with_its_previous_keys()
    {
        var chart = await Helm.TemplateAsync(
            "--set", "gateway.spool.encryption.enabled=true", "--set", "gateway.spool.encryption.existingSecret=hds-spool-keys",
            "--set", "gateway.spool.encryption.currentKey=2026-12.key", "--set", "gateway.spool.encryption.previousKeys[0]=2026-06.key");
        Assert.DoesNotContain(chart.OfKind("Secret"), s => RenderedChart.NameOf(s).EndsWith("-spool-keys", StringComparison.Ordinal));
        var podSpec = chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!;
        var volume = podSpec["volumes"]!.AsArray().Single(v => Str(v!["name"]) == "spool-keys")!;
        Assert.Equal("hds-spool-keys", Str(volume["secret"]!["secretName"]));
        var mount = ChartGatewayTests.GatewayContainer(chart)["volumeMounts"]!.AsArray().Single(m => Str(m!["name"]) == "spool-keys")!;
        Assert.Equal("/etc/mssgw/spool-keys", Str(mount["mountPath"]));
        Assert.Equal("true", Str(mount["readOnly"]));
        var encryption = ChartGatewayTests.GatewaySettings(chart)["Gateway"]!["Spool"]!["Encryption"]!;
        Assert.True(encryption["Enabled"]!.GetValue<bool>());
        Assert.Equal("/etc/mssgw/spool-keys/2026-12.key", Str(encryption["KeyFile"]));
        Assert.Equal(["/etc/mssgw/spool-keys/2026-06.key"], encryption["PreviousKeyFiles"]!.AsArray().Select(Str));
    }

    [Fact]
    public async Task Keys_given_as_values_make_a_secret_kept_on_uninstall()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var chart = await Helm.TemplateAsync("--set", "gateway.spool.encryption.enabled=true", "--set", "gateway.spool.encryption.keys.spool\\.key=" + key);
        var secret = chart.Single("Secret", "mssgw-mssante-gateway-spool-keys");
        Assert.Equal("keep", Str(secret["metadata"]!["annotations"]!["helm.sh/resource-policy"]));
        Assert.Equal(key, System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(Str(secret["data"]!["spool.key"])!)));
        Assert.Equal("mssgw-mssante-gateway-spool-keys", Str(chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Single(v => Str(v!["name"]) == "spool-keys")!["secret"]!["secretName"]));
    }

    [Fact]
    public async Task By_default_no_key_is_mounted_and_the_spool_is_not_encrypted()
    {
        var chart = await Helm.TemplateAsync();
        Assert.Null(ChartGatewayTests.GatewaySettings(chart)["Gateway"]!["Spool"]!["Encryption"]);
        Assert.DoesNotContain(ChartGatewayTests.GatewayContainer(chart)["volumeMounts"]!.AsArray(), m => Str(m!["name"]) is "spool-keys" or "journal-key");
    }

    [Fact]
    public async Task A_journal_without_a_signing_key_is_refused_and_with_one_it_is_mounted_and_configured()
    {
        var refused = await Helm.RunAsync("template", "mssgw", Helm.ChartDirectory, "--set", "gateway.journal.enabled=true");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("gateway.journal.existingSecret", refused.StdErr, StringComparison.Ordinal);

        var chart = await Helm.TemplateAsync("--set", "gateway.journal.enabled=true", "--set", "gateway.journal.existingSecret=hds-journal-key", "--set", "gateway.journal.retentionDays=200");
        var journal = ChartGatewayTests.GatewaySettings(chart)["Gateway"]!["Journal"]!;
        Assert.True(journal["Enabled"]!.GetValue<bool>());
        Assert.Equal("/etc/mssgw/journal/journal.key", Str(journal["SigningKeyFile"]));
        Assert.Equal("200.00:00:00", Str(journal["Retention"]));
        var volume = chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Single(v => Str(v!["name"]) == "journal-key")!;
        Assert.Equal("hds-journal-key", Str(volume["secret"]!["secretName"]));
    }
}
