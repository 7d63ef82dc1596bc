using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using MssGateway.Configuration;
using MssGateway.DirectorySync;
using MssGateway.Packaging.Tests;

namespace MssGateway.Host.Tests.Configuration;

/// <summary>
/// Issue 14: the configuration the Helm chart writes goes through the same key catalogue as a start, so a key
/// misspelt in values.yaml, in a ci/ values file or in a template fails here — not at the first pod start in a
/// cluster (exit 2), nor silently (before issue 14, unknown keys were ignored).
/// </summary>
public sealed class ChartConfigurationKeyTests
{
    public static TheoryData<string, string[]> Renderings => new()
    {
        { "default values", [] },
        { "ci/production-values.yaml", ["--values", Path.Combine(Helm.ChartDirectory, "ci", "production-values.yaml")] },
        { "ci/cronjob-values.yaml", ["--values", Path.Combine(Helm.ChartDirectory, "ci", "cronjob-values.yaml")] },
        // The free-form override the chart tests set (ChartGatewayTests).
        { "free-form config", ["--set", "gateway.config.Gateway.Logging.Format=Text", "--set", "gateway.config.Gateway.Policy.MaxAttachmentBytes=20971520"] },
    };

    [Theory]
    [MemberData(nameof(Renderings))]
    public async Task Every_key_the_chart_writes_is_a_key_the_gateway_and_directory_sync_read(string values, string[] arguments)
    {
        var settings = await RenderedSettingsAsync(arguments);
        Assert.Contains(settings, s => s.Root == "Gateway");

        var unknown = Unknown(settings);

        Assert.True(unknown.Count == 0, $"{values}: the chart writes keys no options class reads:\n  " + string.Join("\n  ", unknown));
    }

    /// <summary>The check above can fail: a misspelt free-form key is caught with the key it meant.</summary>
    [Fact]
    public async Task A_misspelt_key_in_the_values_is_caught_with_the_nearest_key()
    {
        var settings = await RenderedSettingsAsync(["--set", "gateway.config.Gateway.Policy.AttachmentLimit=20971520"]);

        var unknown = Unknown(settings);

        Assert.Contains(unknown, u => u.StartsWith("Gateway:Policy:AttachmentLimit ", StringComparison.Ordinal) && u.Contains("did you mean Gateway:Policy:MaxAttachmentBytes?", StringComparison.Ordinal));
    }

    private static List<string> Unknown(IEnumerable<(string ConfigMap, string Root, IConfiguration Configuration)> settings)
    {
        var gateway = GatewayProgram.AllKeys();
        var directorySync = DirectorySyncProgram.KnownKeys();
        var unknown = new List<string>();
        foreach (var (configMap, root, configuration) in settings)
        {
            switch (root)
            {
                case "Gateway":
                    unknown.AddRange(gateway.FindUnknown(configuration, "Gateway").Select(u => $"{u} [{configMap}]"));
                    break;
                case "DirectorySync":
                    unknown.AddRange(directorySync.FindUnknown(configuration, "DirectorySync").Select(u => $"{u} [{configMap}]"));
                    break;
                case "Logging":
                    break; // Microsoft.Extensions.Logging's own section (log levels), not an options class of ours
                default:
                    unknown.Add($"{root}: a section neither program reads [{configMap}]");
                    break;
            }
        }

        return unknown;
    }

    /// <summary>Each top-level section of each ConfigMap's appsettings.json, read by the same JSON provider as the programs.</summary>
    private static async Task<List<(string ConfigMap, string Root, IConfiguration Configuration)>> RenderedSettingsAsync(string[] arguments)
    {
        var chart = await Helm.TemplateAsync(arguments);
        var found = new List<(string, string, IConfiguration)>();
        foreach (var configMap in chart.OfKind("ConfigMap"))
        {
            if (configMap["data"]?["appsettings.json"]?.GetValue<string>() is not { } json)
            {
                continue;
            }

            var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
            foreach (var root in JsonNode.Parse(json)!.AsObject().Select(p => p.Key))
            {
                found.Add((RenderedChart.NameOf(configMap), root, configuration));
            }
        }

        return found;
    }
}
