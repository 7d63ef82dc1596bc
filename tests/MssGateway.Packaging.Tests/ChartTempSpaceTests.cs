using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Issue 16.3: opaque S/MIME messages are unwrapped to a temp file as large as their content (an
/// 18.5 MB message → 12.8 MiB): Gateway:Policy:TempPath is on the spool volume by default, and /tmp
/// (a small emptyDir) is sized by a value.
/// </summary>
public sealed class ChartTempSpaceTests
{
    public static TheoryData<string> Examples => ExampleValues.All();

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Smime_temp_files_go_to_the_spool_volume(string example)
    {
        var chart = await ExampleValues.RenderAsync(example);
        var gw = ChartGatewayTests.GatewaySettings(chart)["Gateway"]!;
        var tempPath = gw["Policy"]!["TempPath"]!.GetValue<string>();
        var spool = gw["Spool"]!["Path"]!.GetValue<string>();
        Assert.StartsWith(spool + "/", tempPath, StringComparison.Ordinal);
        // The spool mount is the per-pod claim, and writable.
        var mount = ChartGatewayTests.GatewayContainer(chart)["volumeMounts"]!.AsArray().Single(m => Str(m!["mountPath"]) == spool)!;
        Assert.Equal("spool", Str(mount["name"]));
        Assert.NotEqual("true", Str(mount["readOnly"]));
        Assert.Contains("spool", chart.SingleOfKind("StatefulSet")["spec"]!["volumeClaimTemplates"]!.AsArray().Select(c => Str(c!["metadata"]!["name"])));
        // MessageSpool creates <spool>/tmp at start, before options are validated (TempPath must exist).
        Assert.Equal(spool + "/tmp", tempPath);
    }

    [Fact]
    public async Task Tmp_is_an_empty_dir_whose_size_and_medium_are_values()
    {
        var defaults = TmpVolume(await Helm.TemplateAsync());
        Assert.Equal("64Mi", Str(defaults["emptyDir"]!["sizeLimit"]));
        var sized = TmpVolume(await Helm.TemplateAsync("--set", "gateway.tmpVolume.sizeLimit=2Gi", "--set", "gateway.tmpVolume.medium="));
        Assert.Equal("2Gi", Str(sized["emptyDir"]!["sizeLimit"]));
        Assert.Null(sized["emptyDir"]!["medium"]);
    }

    [Fact]
    public async Task Temp_path_is_a_value_and_free_form_config_still_wins()
    {
        var chart = await Helm.TemplateAsync("--set", "gateway.tempPath=/tmp/smime");
        Assert.Equal("/tmp/smime", ChartGatewayTests.GatewaySettings(chart)["Gateway"]!["Policy"]!["TempPath"]!.GetValue<string>());
        var overridden = await Helm.TemplateAsync("--set", "gateway.config.Gateway.Policy.TempPath=/var/cache/mssgw");
        Assert.Equal("/var/cache/mssgw", ChartGatewayTests.GatewaySettings(overridden)["Gateway"]!["Policy"]!["TempPath"]!.GetValue<string>());
        var refused = await Helm.RunAsync("template", "mssgw", Helm.ChartDirectory, "--set", "gateway.tempPath=relative/dir");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("/gateway/tempPath", refused.StdErr, StringComparison.Ordinal);
    }

    private static System.Text.Json.Nodes.JsonNode TmpVolume(RenderedChart chart) =>
        chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Single(v => Str(v!["name"]) == "tmp")!;
}
