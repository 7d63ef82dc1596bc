using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>Switches an operator may flip keep the chart renderable and its pods consistent.</summary>
public sealed class ChartVariantTests
{
    public static TheoryData<string> Variants =>
    [
        "gateway.spool.persistence.enabled=false",
        "directorySync.enabled=false",
        "networkPolicy.enabled=false",
        "networkPolicy.egress.enabled=false",
        "gateway.podDisruptionBudget.enabled=false",
        "serviceAccount.create=false",
        "service.smtp.type=NodePort",
        "service.smtp.type=ClusterIP",
        "gateway.shutdown.preStopSleepSeconds=5",
        "gateway.image.digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "gateway.replicaCount=1",
        "directorySync.workload=CronJob",
        "volumePermissions.enabled=true",
        "gateway.spool.encryption.enabled=true,gateway.spool.encryption.existingSecret=spool-keys,gateway.journal.enabled=true,gateway.journal.existingSecret=journal-key",
    ];

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Variant_renders_with_every_volume_mounted_from_a_declared_volume(string assignment)
    {
        var chart = await Helm.TemplateAsync("--set", assignment);
        var sts = chart.SingleOfKind("StatefulSet");
        var claims = sts["spec"]!["volumeClaimTemplates"]?.AsArray().Select(c => Str(c!["metadata"]!["name"])).ToList() ?? [];
        foreach (var (where, container, podSpec) in chart.Containers())
        {
            Assert.Equal("true", Str(container["securityContext"]?["readOnlyRootFilesystem"]));

            var volumes = (podSpec["volumes"]?.AsArray() ?? []).Select(v => Str(v!["name"])).ToHashSet();
            if (where.StartsWith("StatefulSet/", StringComparison.Ordinal))
            {
                volumes.UnionWith(claims);
            }

            foreach (var mount in container["volumeMounts"]?.AsArray() ?? [])
            {
                Assert.True(volumes.Contains(Str(mount!["name"])), $"{assignment}: {where} mounts {mount["name"]} without a volume");
            }

            // Each volume is declared once.
            Assert.Equal((podSpec["volumes"]?.AsArray() ?? []).Count, volumes.Count - (where.StartsWith("StatefulSet/", StringComparison.Ordinal) ? claims.Count : 0));
        }

        var lint = await Helm.RunAsync("lint", "--strict", Helm.ChartDirectory, "--set", assignment);
        Assert.True(lint.ExitCode == 0, lint.StdOut + lint.StdErr);
    }

    [Fact]
    public async Task Without_persistence_the_spool_is_an_empty_dir_and_no_claim_is_made()
    {
        var chart = await Helm.TemplateAsync("--set", "gateway.spool.persistence.enabled=false");
        var spec = chart.SingleOfKind("StatefulSet")["spec"]!;
        Assert.Null(spec["volumeClaimTemplates"]);
        Assert.Null(spec["persistentVolumeClaimRetentionPolicy"]);
        Assert.NotNull(spec["template"]!["spec"]!["volumes"]!.AsArray().Single(v => Str(v!["name"]) == "spool")!.AsObject()["emptyDir"]);
    }

    [Fact]
    public async Task Pre_stop_sleep_is_added_to_the_grace_period()
    {
        var chart = await Helm.TemplateAsync("--set", "gateway.shutdown.preStopSleepSeconds=5");
        var podSpec = chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!;
        Assert.Equal("5", Str(podSpec["containers"]![0]!["lifecycle"]!["preStop"]!["sleep"]!["seconds"]));
        Assert.Equal("80", Str(podSpec["terminationGracePeriodSeconds"]));
    }

    [Fact]
    public async Task A_digest_pins_the_image_instead_of_the_tag()
    {
        const string digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        var chart = await Helm.TemplateAsync("--set", "gateway.image.digest=" + digest);
        Assert.Equal("ghcr.io/mssante-gateway/mssgw@" + digest, Str(ChartGatewayTests.GatewayContainer(chart)["image"]));
        var registryOnly = await Helm.TemplateAsync("--set", "gateway.image.registry=", "--set", "gateway.image.repository=registry.hopital.example/mssante/mssgw");
        Assert.Equal("registry.hopital.example/mssante/mssgw:0.1.0", Str(ChartGatewayTests.GatewayContainer(registryOnly)["image"]));
    }
}
