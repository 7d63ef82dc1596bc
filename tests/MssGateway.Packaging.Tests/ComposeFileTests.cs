using System.Text.Json.Nodes;
using MssGateway.Testing;
using static MssGateway.Packaging.Tests.ChartSecurityTests;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// docker/docker-compose.yml, validated by reading it: this machine's docker client has no compose
/// plugin and no engine, so `docker compose config` cannot run here. The checks cover what that
/// command would (services, images, build contexts, volume and dependency references) and what it
/// would not: the files each service is given exist and agree with each other.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string DockerDir = RepositoryPaths.Combine("docker");

    private static readonly Lazy<JsonObject> ComposeLazy = new(() => YamlDocuments.ParseSingle(File.ReadAllText(Path.Combine(DockerDir, "docker-compose.yml"))));

    private static JsonObject Compose => ComposeLazy.Value;

    private static JsonObject Services => Compose["services"]!.AsObject();

    [Fact]
    public void Stack_has_the_hospital_postfix_the_gateway_the_receiver_directory_sync_redis_openldap_prometheus_and_grafana()
    {
        foreach (var name in new[] { "hospital-postfix", "gateway", "receiver", "directory-sync", "redis", "openldap", "prometheus", "grafana" })
        {
            Assert.True(Services.ContainsKey(name), $"no service {name}");
        }
    }

    [Fact]
    public void Every_image_has_a_pinned_tag_and_our_images_are_built_from_our_dockerfiles()
    {
        foreach (var (name, service) in Services)
        {
            var image = Str(service!["image"]);
            Assert.False(string.IsNullOrEmpty(image), $"{name}: no image");
            var tag = image!.Contains(':', StringComparison.Ordinal) ? image[(image.LastIndexOf(':') + 1)..] : "";
            Assert.False(tag is "" or "latest", $"{name}: image {image} is not pinned");
            if (service["build"] is { } build)
            {
                var context = Path.GetFullPath(Path.Combine(DockerDir, Str(build["context"])!));
                Assert.Equal(RepositoryPaths.Root.TrimEnd('/'), context.TrimEnd('/'));
                Assert.True(File.Exists(Path.Combine(context, Str(build["dockerfile"])!)), $"{name}: dockerfile {build["dockerfile"]} not found");
            }
            else
            {
                Assert.Matches(@"\d+\.\d+\.\d+", tag);
            }
        }

        Assert.Equal("docker/gateway.Dockerfile", Str(Services["gateway"]!["build"]!["dockerfile"]));
        Assert.Equal("docker/directory-sync.Dockerfile", Str(Services["directory-sync"]!["build"]!["dockerfile"]));
    }

    [Fact]
    public void Every_bind_mount_source_exists_and_every_named_volume_is_declared()
    {
        var declared = Compose["volumes"]!.AsObject().Select(v => v.Key).ToHashSet();
        var used = new HashSet<string>();
        foreach (var (name, service) in Services)
        {
            foreach (var volume in service!["volumes"]?.AsArray() ?? [])
            {
                var spec = Str(volume)!;
                var source = spec.Split(':')[0];
                if (source.StartsWith('.') || source.StartsWith('/'))
                {
                    var full = Path.GetFullPath(Path.Combine(DockerDir, source));
                    if (full.StartsWith(RepositoryPaths.Combine(".dev"), StringComparison.Ordinal))
                    {
                        // Made by scripts/dev-pki.sh before `compose up` (git-ignored).
                        Assert.True(File.Exists(RepositoryPaths.Combine("scripts", "dev-pki.sh")));
                        continue;
                    }

                    Assert.True(File.Exists(full) || Directory.Exists(full), $"{name}: bind mount source {source} does not exist");
                }
                else
                {
                    Assert.True(declared.Contains(source), $"{name}: volume {source} is not declared under volumes:");
                    used.Add(source);
                }
            }
        }

        Assert.Equal(declared.Order(), used.Order());
    }

    [Fact]
    public void Dependencies_name_existing_services()
    {
        foreach (var (name, service) in Services)
        {
            var dependsOn = service!["depends_on"];
            var targets = dependsOn switch
            {
                JsonArray list => list.Select(Str).ToList(),
                JsonObject map => map.Select(kv => (string?)kv.Key).ToList(),
                _ => [],
            };
            foreach (var target in targets)
            {
                Assert.True(Services.ContainsKey(target!), $"{name} depends on unknown service {target}");
            }
        }
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("directory-sync")]
    public void Our_containers_run_hardened_as_in_the_chart(string name)
    {
        var service = Services[name]!;
        Assert.Equal("1654:1654", Str(service["user"]));
        Assert.Equal("true", Str(service["read_only"]));
        Assert.Contains("ALL", service["cap_drop"]!.AsArray().Select(Str));
        Assert.Contains("no-new-privileges:true", service["security_opt"]!.AsArray().Select(Str));
        Assert.Contains("/tmp", service["tmpfs"]!.AsArray().Select(Str));
        Assert.Null(service["privileged"]);
    }

    [Theory]
    [InlineData("gateway", "mssgw")]
    [InlineData("directory-sync", "mssgw-directory-sync")]
    public void Our_containers_report_health_with_their_own_healthcheck_command(string name, string executable)
    {
        // mssgw healthcheck: exit 0 when /readyz answers 200 on 127.0.0.1 (issue 16.7); the images have no shell.
        var check = Services[name]!["healthcheck"]!;
        Assert.Equal(["CMD", $"/app/{executable}", "healthcheck"], check["test"]!.AsArray().Select(Str));
        Assert.NotNull(check["start_period"]);
        Assert.NotNull(check["interval"]);
    }

    [Fact]
    public void Services_that_need_the_gateway_ready_wait_for_it_to_be_healthy()
    {
        Assert.Equal("service_healthy", Str(Services["hospital-postfix"]!["depends_on"]!["gateway"]!["condition"]));
    }

    [Fact]
    public void Published_ports_listen_on_loopback_only()
    {
        foreach (var (name, service) in Services)
        {
            foreach (var port in service!["ports"]?.AsArray() ?? [])
            {
                Assert.StartsWith("127.0.0.1:", Str(port), StringComparison.Ordinal);
            }
        }

        var gatewayPorts = Services["gateway"]!["ports"]!.AsArray().Select(p => Str(p)!.Split(':')[2]).ToList();
        Assert.Equal(["2525", "2587", "2465", "9090"], gatewayPorts);
    }

    [Fact]
    public void Gateway_settings_name_files_that_secrets_init_writes_into_the_mounted_volume()
    {
        var gateway = Services["gateway"]!;
        var mounts = gateway["volumes"]!.AsArray().Select(v => Str(v)!).ToList();
        var settingsMount = mounts.Single(m => m.Contains(":/app/appsettings.json", StringComparison.Ordinal));
        var settingsFile = Path.Combine(DockerDir, settingsMount.Split(':')[0]);
        var gw = JsonNode.Parse(File.ReadAllText(settingsFile))!["Gateway"]!;
        Assert.Contains("mssgw-secrets:/etc/mssgw:ro", mounts);
        Assert.Contains(mounts, m => m.StartsWith("mssgw-spool:/var/spool/mssgw", StringComparison.Ordinal));
        Assert.Contains(mounts, m => m.StartsWith("mssgw-cache:/var/cache/mssgw", StringComparison.Ordinal));
        Assert.Equal("/var/spool/mssgw", gw["Spool"]!["Path"]!.GetValue<string>());
        Assert.StartsWith("/var/cache/mssgw/", gw["Trust"]!["Revocation"]!["CacheDirectory"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Redis", gw["Directory"]!["Kind"]!.GetValue<string>());
        Assert.StartsWith("redis:", gw["Directory"]!["Redis"]!["Configuration"]!.GetValue<string>(), StringComparison.Ordinal);

        var init = string.Join('\n', Services["secrets-init"]!["command"]!.AsArray().Select(Str));
        var files = new[] { gw["Tls"]!["CertificateFile"], gw["Tls"]!["KeyFile"], gw["Trust"]!["AnchorPaths"]![0], gw["Logging"]!["HashKeyFile"] }
            .Select(f => f!.GetValue<string>())
            .Concat(gw["Trust"]!["Revocation"]!["CrlFiles"]!.AsArray().Select(f => f!.GetValue<string>()));
        foreach (var file in files)
        {
            Assert.StartsWith("/etc/mssgw/", file, StringComparison.Ordinal);
            var inVolume = "/secrets/" + file["/etc/mssgw/".Length..];
            var written = init.Contains(inVolume, StringComparison.Ordinal)
                || (Path.GetDirectoryName(inVolume) is { } dir && init.Contains($"cp /pki/crl/*.crl.pem {dir}/", StringComparison.Ordinal) && File.Exists(Path.Combine(RepositoryPaths.Root, "scripts", "dev-pki.sh")) && DevPkiMakesCrl(Path.GetFileName(file)));
            Assert.True(written, $"secrets-init does not provide {file}");
        }
    }

    [Fact]
    public void Directory_sync_mirrors_the_sample_directory_of_the_openldap_service()
    {
        var sync = Services["directory-sync"]!;
        var command = sync["command"]!.AsArray().Select(Str).ToList();
        var configPath = command[command.IndexOf("--config") + 1]!;
        var mount = sync["volumes"]!.AsArray().Select(v => Str(v)!).Single(v => configPath.StartsWith(v.Split(':')[1] + "/", StringComparison.Ordinal));
        var localConfig = Path.Combine(DockerDir, mount.Split(':')[0], Path.GetFileName(configPath));
        var settings = JsonNode.Parse(File.ReadAllText(localConfig))!["DirectorySync"]!;

        var ldap = settings["Ldap"]!;
        Assert.True(Services.ContainsKey(ldap["Host"]!.GetValue<string>()));
        var openldapEnv = Services["openldap"]!["environment"]!;
        var baseDn = string.Join(',', Str(openldapEnv["LDAP_DOMAIN"])!.Split('.').Select(p => "dc=" + p));
        Assert.EndsWith("," + baseDn, ldap["BaseDn"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal($"cn={Str(openldapEnv["LDAP_READONLY_USER_USERNAME"])},{baseDn}", ldap["BindDn"]!.GetValue<string>());
        Assert.Equal("/etc/mssgw/ldap/password", ldap["BindPasswordFile"]!.GetValue<string>());
        Assert.Contains("/secrets/ldap/password", string.Join('\n', Services["secrets-init"]!["command"]!.AsArray().Select(Str)), StringComparison.Ordinal);
        // The seed creates the mailboxes under the BaseDn directory-sync reads.
        var seed = File.ReadAllText(Path.Combine(DockerDir, "ldap", "seed.ldif"));
        Assert.Contains("dn: " + ldap["BaseDn"]!.GetValue<string>().Replace(baseDn, "{{ LDAP_BASE_DN }}", StringComparison.Ordinal), seed, StringComparison.Ordinal);

        Assert.True(Services.ContainsKey(settings["Redis"]!["Configuration"]!.GetValue<string>().Split(':')[0]));
        var listPath = settings["AuthorisedDomains"]!["Path"]!.GetValue<string>();
        Assert.True(File.Exists(Path.Combine(DockerDir, mount.Split(':')[0], Path.GetFileName(listPath))), listPath);
        Assert.Equal(9091, settings["Http"]!["Port"]!.GetValue<int>());
    }

    [Fact]
    public async Task Prometheus_config_is_valid_scrapes_our_services_and_loads_the_chart_rules()
    {
        var prometheusYml = Path.Combine(DockerDir, "prometheus", "prometheus.yml");
        var check = await ExternalProcess.RunAsync("promtool", "check", "config", "--syntax-only", prometheusYml);
        Assert.True(check.ExitCode == 0, check.StdOut + check.StdErr);

        var config = YamlDocuments.ParseSingle(File.ReadAllText(prometheusYml));
        foreach (var job in config["scrape_configs"]!.AsArray())
        {
            Assert.Contains("mssgw", Str(job!["job_name"])!, StringComparison.Ordinal);
            foreach (var target in job["static_configs"]!.AsArray().SelectMany(s => s!["targets"]!.AsArray()))
            {
                Assert.True(Services.ContainsKey(Str(target)!.Split(':')[0]), $"scrape target {target} is not a service");
            }
        }

        // The chart's rule file is mounted where rule_files looks.
        var ruleGlob = Str(config["rule_files"]![0])!;
        var mount = Services["prometheus"]!["volumes"]!.AsArray().Select(v => Str(v)!).Single(v => v.Contains("prometheus-rules.yaml", StringComparison.Ordinal));
        Assert.Equal(Path.Combine(Helm.ChartDirectory, "files", "prometheus-rules.yaml"), Path.GetFullPath(Path.Combine(DockerDir, mount.Split(':')[0])));
        var target2 = mount.Split(':')[1];
        Assert.Equal(Path.GetDirectoryName(ruleGlob), Path.GetDirectoryName(target2));
        Assert.EndsWith(Path.GetExtension(ruleGlob), target2, StringComparison.Ordinal);
        Assert.Contains(Services["prometheus"]!["volumes"]!.AsArray().Select(Str), v => v!.EndsWith(":/etc/prometheus/prometheus.yml:ro", StringComparison.Ordinal));
    }

    [Fact]
    public void Grafana_provisions_the_prometheus_datasource_and_the_chart_dashboard()
    {
        var mounts = Services["grafana"]!["volumes"]!.AsArray().Select(v => Str(v)!).ToList();
        var dashboardMount = mounts.Single(v => v.Contains("grafana-dashboard.json", StringComparison.Ordinal));
        Assert.Equal(Path.Combine(Helm.ChartDirectory, "files", "grafana-dashboard.json"), Path.GetFullPath(Path.Combine(DockerDir, dashboardMount.Split(':')[0])));
        Assert.Contains("./grafana/provisioning:/etc/grafana/provisioning:ro", mounts);

        var provider = YamlDocuments.ParseSingle(File.ReadAllText(Path.Combine(DockerDir, "grafana", "provisioning", "dashboards", "mssante-gateway.yaml")));
        var providerPath = Str(provider["providers"]![0]!["options"]!["path"])!;
        Assert.Equal(providerPath, Path.GetDirectoryName(dashboardMount.Split(':')[1]));

        var datasources = YamlDocuments.ParseSingle(File.ReadAllText(Path.Combine(DockerDir, "grafana", "provisioning", "datasources", "prometheus.yaml")));
        var url = new Uri(Str(datasources["datasources"]![0]!["url"])!);
        Assert.True(Services.ContainsKey(url.Host), $"datasource host {url.Host} is not a service");
        Assert.Equal("prometheus", Str(datasources["datasources"]![0]!["type"]));
    }

    private static bool DevPkiMakesCrl(string fileName)
    {
        // dev-pki.sh writes crl/<ca>.crl.pem for each CA it creates.
        var script = File.ReadAllText(RepositoryPaths.Combine("scripts", "dev-pki.sh"));
        var ca = fileName.Replace(".crl.pem", "", StringComparison.Ordinal);
        return script.Contains("for ca in ", StringComparison.Ordinal) && script.Contains(ca, StringComparison.Ordinal);
    }
}
