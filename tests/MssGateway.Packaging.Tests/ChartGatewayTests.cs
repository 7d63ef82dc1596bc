using System.Text.Json.Nodes;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>The gateway StatefulSet, its configuration and its Services, as DESIGN.md §3–4 require.</summary>
[Collection(ChartCollection.Name)]
public sealed class ChartGatewayTests(ChartRenderings charts)
{
    public static TheoryData<string> Renderings => [ChartRenderings.Default, ChartRenderings.Production];

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Gateway_probes_liveness_on_healthz_and_readiness_on_readyz_at_port_9090(string rendering)
    {
        var container = GatewayContainer(charts[rendering]);
        var http = container["ports"]!.AsArray().Single(p => Str(p!["name"]) == "http");
        Assert.Equal("9090", Str(http!["containerPort"]));
        Assert.Equal("/healthz", Str(container["livenessProbe"]?["httpGet"]?["path"]));
        Assert.Equal("http", Str(container["livenessProbe"]?["httpGet"]?["port"]));
        Assert.Equal("/readyz", Str(container["readinessProbe"]?["httpGet"]?["path"]));
        Assert.Equal("http", Str(container["readinessProbe"]?["httpGet"]?["port"]));
        Assert.NotNull(container["startupProbe"]?["httpGet"]);
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Each_gateway_pod_gets_its_own_spool_volume(string rendering)
    {
        var sts = charts[rendering].SingleOfKind("StatefulSet");
        var claim = sts["spec"]!["volumeClaimTemplates"]!.AsArray().Single()!;
        Assert.Equal("spool", Str(claim["metadata"]!["name"]));
        Assert.Contains("ReadWriteOnce", claim["spec"]!["accessModes"]!.AsArray().Select(Str));
        var mount = GatewayContainer(charts[rendering])["volumeMounts"]!.AsArray().Single(m => Str(m!["name"]) == "spool");
        Assert.Equal("/var/spool/mssgw", Str(mount!["mountPath"]));
        // No pod-level volume shadows the claim template.
        Assert.DoesNotContain("spool", sts["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Select(v => Str(v!["name"])));
    }

    [Theory]
    [InlineData(ChartRenderings.Default, 60, "00:01:00")]
    [InlineData(ChartRenderings.Production, 120, "00:02:00")]
    public void Termination_grace_period_covers_the_configured_drain(string rendering, int drainSeconds, string drainTimeout)
    {
        var chart = charts[rendering];
        var settings = GatewaySettings(chart);
        Assert.Equal(drainTimeout, settings["Gateway"]!["Shutdown"]!["DrainTimeout"]!.GetValue<string>());

        var podSpec = chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!;
        var grace = int.Parse(Str(podSpec["terminationGracePeriodSeconds"])!, System.Globalization.CultureInfo.InvariantCulture);
        var preStop = Str(podSpec["containers"]![0]!["lifecycle"]?["preStop"]?["sleep"]?["seconds"]);
        var preStopSeconds = preStop is null ? 0 : int.Parse(preStop, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(grace > preStopSeconds + drainSeconds, $"grace {grace}s must exceed preStop {preStopSeconds}s + drain {drainSeconds}s");
    }

    [Fact]
    public async Task Changing_the_drain_timeout_moves_the_grace_period_with_it()
    {
        var chart = await Helm.TemplateAsync("--set", "gateway.shutdown.drainTimeoutSeconds=300", "--set", "gateway.shutdown.graceMarginSeconds=10");
        Assert.Equal("00:05:00", GatewaySettings(chart)["Gateway"]!["Shutdown"]!["DrainTimeout"]!.GetValue<string>());
        Assert.Equal("310", Str(chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"]));
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Appsettings_name_every_file_and_port_the_pod_provides(string rendering)
    {
        var gw = GatewaySettings(charts[rendering])["Gateway"]!;
        Assert.False(string.IsNullOrEmpty(gw["ServerName"]!.GetValue<string>()));
        Assert.StartsWith("/etc/mssgw/tls/", gw["Tls"]!["CertificateFile"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("/etc/mssgw/tls/", gw["Tls"]!["KeyFile"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("/etc/mssgw/trust/", gw["Trust"]!["AnchorPaths"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.All(gw["Trust"]!["Revocation"]!["CrlFiles"]!.AsArray(), f => Assert.StartsWith("/etc/mssgw/crl/", f!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal("/var/spool/mssgw", gw["Spool"]!["Path"]!.GetValue<string>());
        Assert.Equal(9090, gw["Http"]!["Port"]!.GetValue<int>());
        Assert.Equal("Redis", gw["Directory"]!["Kind"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(gw["Directory"]!["Redis"]!["Configuration"]!.GetValue<string>()));
        Assert.Equal("Json", gw["Logging"]!["Format"]!.GetValue<string>());

        // Writable paths (spool, CRL cache) lie on writable mounts: the root filesystem is read-only.
        var writable = GatewayContainer(charts[rendering])["volumeMounts"]!.AsArray()
            .Where(m => Str(m!["readOnly"]) != "true").Select(m => Str(m!["mountPath"])!).ToList();
        foreach (var path in new[] { gw["Spool"]!["Path"]!.GetValue<string>(), gw["Trust"]!["Revocation"]!["CacheDirectory"]!.GetValue<string>() })
        {
            Assert.True(writable.Any(w => path == w || path.StartsWith(w + "/", StringComparison.Ordinal)), $"{path} is not on a writable volume");
        }

        // Each configured file lives on a volume the container mounts.
        var mounts = GatewayContainer(charts[rendering])["volumeMounts"]!.AsArray().Select(m => Str(m!["mountPath"])!).ToList();
        foreach (var file in new[] { gw["Tls"]!["CertificateFile"], gw["Tls"]!["KeyFile"], gw["Trust"]!["AnchorPaths"]![0] })
        {
            var path = file!.GetValue<string>();
            Assert.Contains(Path.GetDirectoryName(path)!, mounts);
        }

        // Listeners: container ports match, as do the Service's target ports.
        var containerPorts = GatewayContainer(charts[rendering])["ports"]!.AsArray().ToDictionary(p => Str(p!["name"])!, p => Str(p!["containerPort"])!);
        foreach (var listener in gw["Listeners"]!.AsArray())
        {
            var name = listener!["Name"]!.GetValue<string>();
            Assert.Equal(listener["Port"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture), containerPorts[name]);
            Assert.Contains(listener["TlsMode"]!.GetValue<string>(), new[] { "StartTls", "Implicit" });
            Assert.True(listener["RequireTls"]!.GetValue<bool>());
            Assert.Equal("Require", listener["ClientCertificate"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Production_redis_password_is_read_from_a_mounted_secret_file()
    {
        var chart = charts[ChartRenderings.Production];
        var redis = GatewaySettings(chart)["Gateway"]!["Directory"]!["Redis"]!;
        Assert.Equal("/etc/mssgw/redis/password", redis["PasswordFile"]!.GetValue<string>());
        Assert.True(redis["Tls"]!.GetValue<bool>());
        Assert.Equal("/etc/mssgw/redis-ca/ca.crt", redis["TlsCaFile"]!.GetValue<string>());
        var podSpec = chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!;
        var volume = podSpec["volumes"]!.AsArray().Single(v => Str(v!["name"]) == "redis-password")!;
        Assert.Equal("mssgw-redis", Str(volume["secret"]!["secretName"]));
        var mounts = GatewayContainer(chart)["volumeMounts"]!.AsArray().Select(m => Str(m!["mountPath"])).ToList();
        Assert.Contains("/etc/mssgw/redis", mounts);
        Assert.Contains("/etc/mssgw/redis-ca", mounts);
    }

    [Fact]
    public void Default_redis_has_no_password_file_and_no_secret_volume()
    {
        var chart = charts[ChartRenderings.Default];
        Assert.Null(GatewaySettings(chart)["Gateway"]!["Directory"]!["Redis"]!["PasswordFile"]);
        Assert.DoesNotContain("redis-password", chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Select(v => Str(v!["name"])));
    }

    [Fact]
    public void Free_form_config_is_merged_over_the_generated_settings()
    {
        var gw = GatewaySettings(charts[ChartRenderings.Production])["Gateway"]!;
        Assert.Equal(100, gw["Smtp"]!["Limits"]!["MaxConcurrentSessionsPerClient"]!.GetValue<int>());
        Assert.Equal("exchange.hopital-exemple.local", gw["Delivery"]!["InternalNextHop"]!["Host"]!.GetValue<string>());
        Assert.Equal("hopital-exemple.mssante.fr", gw["Delivery"]!["LocalDomains"]![0]!.GetValue<string>());
        // Generated keys survive the merge.
        Assert.Equal("/var/spool/mssgw", gw["Spool"]!["Path"]!.GetValue<string>());
    }

    [Fact]
    public async Task Free_form_config_wins_over_a_generated_key()
    {
        var chart = await Helm.TemplateAsync("--set", "gateway.config.Gateway.Logging.Format=Text", "--set", "gateway.config.Gateway.Policy.MaxAttachmentBytes=20971520");
        var gw = GatewaySettings(chart)["Gateway"]!;
        Assert.Equal("Text", gw["Logging"]!["Format"]!.GetValue<string>());
        Assert.Equal(20971520, gw["Policy"]!["MaxAttachmentBytes"]!.GetValue<long>());
    }

    [Fact]
    public async Task Certificates_given_as_values_become_a_tls_secret_the_pod_mounts()
    {
        var chart = await Helm.TemplateAsync("--set", "gateway.tls.certificate=CERT", "--set", "gateway.tls.key=KEY", "--set", "gateway.tls.chain=CHAIN");
        var secret = chart.Single("Secret", "mssgw-mssante-gateway-tls");
        Assert.Equal("kubernetes.io/tls", Str(secret["type"]));
        Assert.Equal(Convert.ToBase64String("KEY"u8.ToArray()), Str(secret["data"]!["tls.key"]));
        Assert.NotNull(secret["data"]!["chain.crt"]);
        Assert.Equal("/etc/mssgw/tls/chain.crt", GatewaySettings(chart)["Gateway"]!["Tls"]!["ChainFile"]!.GetValue<string>());
        var volume = chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Single(v => Str(v!["name"]) == "tls")!;
        Assert.Equal("mssgw-mssante-gateway-tls", Str(volume["secret"]!["secretName"]));
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Smtp_service_keeps_client_addresses_and_exposes_25_587_465(string rendering)
    {
        var chart = charts[rendering];
        var service = chart.Single("Service", "mssgw-mssante-gateway-smtp");
        Assert.Equal("LoadBalancer", Str(service["spec"]!["type"]));
        Assert.Equal("Local", Str(service["spec"]!["externalTrafficPolicy"]));
        var ports = service["spec"]!["ports"]!.AsArray().ToDictionary(p => Str(p!["port"])!, p => Str(p!["targetPort"])!);
        Assert.Equal("relay", ports["25"]);
        Assert.Equal("submission", ports["587"]);
        Assert.Equal("smtps", ports["465"]);

        // The selector matches the pod template (plus the traffic label used to drain a pod).
        var podLabels = chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        foreach (var (key, value) in service["spec"]!["selector"]!.AsObject())
        {
            Assert.Equal(Str(value), Str(podLabels[key]));
        }

        Assert.Equal("on", Str(service["spec"]!["selector"]!["mssante-gateway/traffic"]));
    }

    [Fact]
    public void Metrics_service_exposes_9090_and_names_the_prometheus_job_mssgw()
    {
        var service = charts[ChartRenderings.Default].Single("Service", "mssgw-mssante-gateway-metrics");
        var port = service["spec"]!["ports"]!.AsArray().Single()!;
        Assert.Equal("9090", Str(port["port"]));
        Assert.Equal("http", Str(port["targetPort"]));
        Assert.Equal("ClusterIP", Str(service["spec"]!["type"]));
        Assert.Contains("mssgw", Str(service["metadata"]!["labels"]!["mssante-gateway/job"]), StringComparison.Ordinal);
        // Draining pods keep being scraped: no traffic label in this selector.
        Assert.Null(service["spec"]!["selector"]!["mssante-gateway/traffic"]);
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Disruption_budget_and_network_policy_cover_the_gateway_pods(string rendering)
    {
        var chart = charts[rendering];
        var pdb = chart.SingleOfKind("PodDisruptionBudget");
        Assert.Equal("1", Str(pdb["spec"]!["maxUnavailable"]));
        Assert.Equal("gateway", Str(pdb["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/component"]));

        var policy = chart.Single("NetworkPolicy", "mssgw-mssante-gateway");
        Assert.Equal("gateway", Str(policy["spec"]!["podSelector"]!["matchLabels"]!["app.kubernetes.io/component"]));
        var ingressPorts = policy["spec"]!["ingress"]!.AsArray().SelectMany(r => r!["ports"]!.AsArray()).Select(p => Str(p!["port"])).ToList();
        Assert.Contains("2525", ingressPorts);
        Assert.Contains("2587", ingressPorts);
        Assert.Contains("2465", ingressPorts);
        Assert.Contains("9090", ingressPorts);
        var egressPorts = policy["spec"]!["egress"]!.AsArray().SelectMany(r => r!["ports"]!.AsArray()).Select(p => Str(p!["port"])).ToList();
        Assert.Contains("53", egressPorts);
        Assert.Contains("25", egressPorts);
    }

    [Fact]
    public async Task Directory_sync_runs_once_at_a_time_as_a_cron_job()
    {
        var chart = await ExampleValues.RenderAsync("production-values.yaml", "--set", "directorySync.workload=CronJob");
        var cronJob = chart.SingleOfKind("CronJob");
        Assert.Equal("Forbid", Str(cronJob["spec"]!["concurrencyPolicy"]));
        Assert.Equal("23 3 * * *", Str(cronJob["spec"]!["schedule"]));
        Assert.Equal("Europe/Paris", Str(cronJob["spec"]!["timeZone"]));
        var podSpec = cronJob["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!;
        Assert.Equal("Never", Str(podSpec["restartPolicy"]));
        var container = podSpec["containers"]![0]!;
        Assert.Equal(["--once", "--config", "/etc/mssgw/directory-sync/appsettings.json"], container["args"]!.AsArray().Select(Str));
        var configMount = container["volumeMounts"]!.AsArray().Single(m => Str(m!["name"]) == "config")!;
        Assert.Equal("/etc/mssgw/directory-sync", Str(configMount["mountPath"]));
    }

    [Fact]
    public void Directory_sync_settings_name_the_ldap_source_redis_and_mounted_secret_files()
    {
        var chart = charts[ChartRenderings.Production];
        var settings = JsonNode.Parse(Str(chart.Single("ConfigMap", "mssgw-mssante-gateway-directory-sync")["data"]!["appsettings.json"])!)!["DirectorySync"]!;
        var ldap = settings["Ldap"]!;
        Assert.Equal("annuaire-mirror.hopital.example", ldap["Host"]!.GetValue<string>());
        Assert.Equal(636, ldap["Port"]!.GetValue<int>());
        Assert.Equal("Ldaps", ldap["Security"]!.GetValue<string>());
        Assert.Equal("ou=mailboxes,o=mssante,c=fr", ldap["BaseDn"]!.GetValue<string>());
        Assert.Equal("/etc/mssgw/ldap/password", ldap["BindPasswordFile"]!.GetValue<string>());
        Assert.Equal("/etc/mssgw/ldap-ca", ldap["TrustedCertificatesDirectory"]!.GetValue<string>());
        Assert.Equal("/etc/mssgw/redis/password", settings["Redis"]!["PasswordFile"]!.GetValue<string>());
        // The same Redis as the gateway: directory-sync writes what the gateway reads.
        Assert.Equal(GatewaySettings(chart)["Gateway"]!["Directory"]!["Redis"]!.ToJsonString(), settings["Redis"]!.ToJsonString());
        Assert.Equal("/etc/mssgw/trust/igc-sante.pem", settings["AuthorisedDomains"]!["TrustedCaFile"]!.GetValue<string>());

        // Every file named exists on a mounted volume of the sync's pod.
        var podSpec = chart.Single("Deployment", "mssgw-mssante-gateway-directory-sync")["spec"]!["template"]!["spec"]!;
        var mounts = podSpec["containers"]![0]!["volumeMounts"]!.AsArray().Select(m => Str(m!["mountPath"])).ToList();
        foreach (var dir in new[] { "/etc/mssgw/ldap", "/etc/mssgw/ldap-ca", "/etc/mssgw/redis", "/etc/mssgw/redis-ca", "/etc/mssgw/trust", "/tmp" })
        {
            Assert.Contains(dir, mounts);
        }
    }

    [Fact]
    public async Task Directory_sync_can_be_turned_off()
    {
        var chart = await Helm.TemplateAsync("--set", "directorySync.enabled=false");
        Assert.Empty(chart.OfKind("CronJob"));
        Assert.Empty(chart.OfKind("Deployment"));
        Assert.DoesNotContain(chart.Manifests, m => RenderedChart.NameOf(m).Contains("directory-sync", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Every_volume_mount_refers_to_a_volume_of_its_pod(string rendering)
    {
        var chart = charts[rendering];
        var claimTemplates = chart.SingleOfKind("StatefulSet")["spec"]!["volumeClaimTemplates"]?.AsArray().Select(c => Str(c!["metadata"]!["name"])).ToList() ?? [];
        foreach (var (where, container, podSpec) in chart.Containers())
        {
            var volumes = (podSpec["volumes"]?.AsArray() ?? []).Select(v => Str(v!["name"])).ToHashSet();
            if (where.StartsWith("StatefulSet/", StringComparison.Ordinal))
            {
                volumes.UnionWith(claimTemplates);
            }

            foreach (var mount in container["volumeMounts"]?.AsArray() ?? [])
            {
                Assert.True(volumes.Contains(Str(mount!["name"])), $"{where}: mount {mount["name"]} has no volume");
            }
        }
    }

    [Fact]
    public void Gateway_settings_replace_the_image_sample_appsettings_whole()
    {
        // Layered over the image's appsettings.json, the Listeners arrays would merge index by index
        // (a listener of the sample on port 25 could survive): the chart's file replaces it.
        var mount = GatewayContainer(charts[ChartRenderings.Default])["volumeMounts"]!.AsArray().Single(m => Str(m!["name"]) == "config")!;
        Assert.Equal("/app/appsettings.json", Str(mount["mountPath"]));
        Assert.Equal("appsettings.json", Str(mount["subPath"]));
        Assert.Equal("true", Str(mount["readOnly"]));
    }

    [Fact]
    public void Address_hashing_gets_a_key_file_from_a_kept_secret()
    {
        var chart = charts[ChartRenderings.Default];
        var logging = GatewaySettings(chart)["Gateway"]!["Logging"]!;
        Assert.True(logging["HashAddresses"]!.GetValue<bool>());
        Assert.Equal("/etc/mssgw/logging/hash-key", logging["HashKeyFile"]!.GetValue<string>());
        var secret = chart.Single("Secret", "mssgw-mssante-gateway-log-hash");
        Assert.Equal("keep", Str(secret["metadata"]!["annotations"]!["helm.sh/resource-policy"]));
        Assert.True(Convert.FromBase64String(Str(secret["data"]!["hash-key"])!).Length >= 32);
        Assert.Contains("/etc/mssgw/logging", GatewayContainer(chart)["volumeMounts"]!.AsArray().Select(m => Str(m!["mountPath"])));

        // Production names its own Secret: the chart makes none.
        var production = charts[ChartRenderings.Production];
        Assert.Equal("mssgw-log-hash", Str(production.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Single(v => Str(v!["name"]) == "log-hash-key")!["secret"]!["secretName"]));
    }

    [Fact]
    public async Task Without_address_hashing_no_key_is_made_or_mounted()
    {
        var chart = await Helm.TemplateAsync("--set", "gateway.logging.hashAddresses=false");
        Assert.Null(GatewaySettings(chart)["Gateway"]!["Logging"]!["HashKeyFile"]);
        Assert.Empty(chart.OfKind("Secret"));
        Assert.DoesNotContain("log-hash-key", chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Select(v => Str(v!["name"])));
    }

    [Fact]
    public async Task Replica_count_sets_the_stateful_set_size()
    {
        var chart = await Helm.TemplateAsync("--set", "gateway.replicaCount=5");
        Assert.Equal("5", Str(chart.SingleOfKind("StatefulSet")["spec"]!["replicas"]));
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void The_gateway_runs_with_two_malloc_arenas(string rendering)
    {
        // docs/configuration.md "Runtime settings": native memory under abuse 248 -> ~100 MB.
        var env = GatewayContainer(charts[rendering])["env"]!.AsArray();
        Assert.Equal("2", Str(env.Single(e => Str(e!["name"]) == "MALLOC_ARENA_MAX")!["value"]));
    }

    [Fact]
    public async Task The_arena_limit_can_be_changed_or_left_to_the_image()
    {
        var four = await Helm.TemplateAsync("--set", "gateway.mallocArenaMax=4");
        Assert.Equal("4", Str(GatewayContainer(four)["env"]!.AsArray().Single(e => Str(e!["name"]) == "MALLOC_ARENA_MAX")!["value"]));
        var image = await Helm.TemplateAsync("--set", "gateway.mallocArenaMax=0");
        Assert.DoesNotContain("MALLOC_ARENA_MAX", GatewayContainer(image)["env"]!.AsArray().Select(e => Str(e!["name"])));
    }

    internal static JsonObject GatewayContainer(RenderedChart chart) =>
        chart.SingleOfKind("StatefulSet")["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single(c => Str(c!["name"]) == "gateway")!.AsObject();

    internal static JsonNode GatewaySettings(RenderedChart chart)
    {
        var configMap = chart.Single("ConfigMap", "mssgw-mssante-gateway");
        var json = Str(configMap["data"]!["appsettings.json"]);
        Assert.NotNull(json);
        return JsonNode.Parse(json)!;
    }
}
