using System.Text.RegularExpressions;
using System.Xml.Linq;
using MssGateway.Testing;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// The images' Dockerfiles, checked on their text (no container engine here): multi-stage, pinned
/// base images, a non-root user, nothing secret copied in, a HEALTHCHECK by the program itself, OCI labels,
/// settings for a read-only root filesystem, and the right program as entry point.
/// </summary>
public sealed partial class DockerfileTests
{
    public static TheoryData<string, string, string> Images => new()
    {
        { "gateway.Dockerfile", "gateway/MssGateway.Host/MssGateway.Host.csproj", "mssgw" },
        { "directory-sync.Dockerfile", "directory-sync/MssGateway.DirectorySync/MssGateway.DirectorySync.csproj", "mssgw-directory-sync" },
    };

    public static TheoryData<string> Files => ["gateway.Dockerfile", "directory-sync.Dockerfile"];

    [Theory]
    [MemberData(nameof(Files))]
    public void Build_is_multi_stage_with_the_sdk_only_in_the_build_stage(string file)
    {
        var df = Load(file);
        Assert.True(df.Stages.Count >= 2, $"{file}: {df.Stages.Count} stage(s)");
        Assert.Contains("/dotnet/sdk:", df.Stages[0].Image, StringComparison.Ordinal);
        Assert.DoesNotContain("/dotnet/sdk", df.Final.Image, StringComparison.Ordinal);
        Assert.Matches("/dotnet/(aspnet|runtime|runtime-deps):", df.Final.Image);
        // The final stage takes only build output from the build stage.
        Assert.Contains(df.Final.Of("COPY"), c => c.Arguments.Contains("--from=" + df.Stages[0].Name, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Base_images_are_pinned_to_full_versions_or_digests(string file)
    {
        foreach (var stage in Load(file).Stages)
        {
            var image = stage.Image;
            Assert.StartsWith("mcr.microsoft.com/dotnet/", image, StringComparison.Ordinal);
            Assert.DoesNotContain("$", image, StringComparison.Ordinal);
            var pinned = image.Contains("@sha256:", StringComparison.Ordinal) || FullVersionTag().IsMatch(image);
            Assert.True(pinned, $"{file}: {image} is not pinned to a full version (x.y.z) or a digest");
            Assert.DoesNotMatch(":latest($|@)", image);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Final_stage_runs_as_the_non_root_app_user(string file)
    {
        var users = Load(file).Final.Of("USER").ToList();
        Assert.NotEmpty(users);
        var user = users[^1].Arguments;
        Assert.Matches("^(1654|app)(:(1654|app))?$", user);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Healthcheck_runs_the_programs_own_healthcheck_command_in_exec_form(string file, string project, string executable)
    {
        _ = project;
        // Chiseled images have no shell and no curl: the program checks its own /readyz (issue 16.7).
        var checks = Load(file).Final.Of("HEALTHCHECK").ToList();
        var check = Assert.Single(checks).Arguments;
        Assert.Matches(@"--interval=\d+s", check);
        Assert.Matches(@"--timeout=\d+s", check);
        Assert.Matches(@"--start-period=\d+s", check);
        Assert.Matches(@"--retries=\d+", check);
        var command = check[check.IndexOf("CMD", StringComparison.Ordinal)..].Replace(" ", "", StringComparison.Ordinal);
        Assert.Equal($"CMD[\"/app/{executable}\",\"healthcheck\"]", command);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Final_image_carries_the_oci_labels(string file, string project, string executable)
    {
        _ = project;
        var df = Load(file);
        var labels = string.Join(' ', df.Final.Of("LABEL").Select(l => l.Arguments));
        foreach (var key in new[] { "title", "description", "version", "revision", "created", "source", "licenses", "vendor", "base.name" })
        {
            Assert.Contains($"org.opencontainers.image.{key}=", labels, StringComparison.Ordinal);
        }

        Assert.Contains($"org.opencontainers.image.title=\"{executable}\"", labels, StringComparison.Ordinal);
        Assert.Contains($"org.opencontainers.image.base.name=\"{df.Final.Image}\"", labels, StringComparison.Ordinal);
        // Version, revision and date come from build arguments (docs/deploy.md §2 passes them).
        var args = df.Final.Of("ARG").Select(a => a.Arguments.Split('=')[0]).ToList();
        foreach (var arg in new[] { "VERSION", "REVISION", "CREATED" })
        {
            Assert.Contains(arg, args);
            Assert.Contains("${" + arg + "}", labels, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Nothing_secret_is_copied_or_baked_into_the_image(string file)
    {
        var df = Load(file);
        foreach (var i in df.Instructions.Where(i => i.Keyword is "COPY" or "ADD"))
        {
            Assert.DoesNotMatch(@"(\.key|\.pem|\.p12|\.pfx|\.crt|id_rsa|\.dev/|\.tools/|\.env)\b", i.Arguments);
        }

        Assert.DoesNotContain(df.Instructions, i => i.Keyword == "ADD" && i.Arguments.Contains("://", StringComparison.Ordinal));
        foreach (var i in df.Instructions.Where(i => i.Keyword is "ENV" or "ARG"))
        {
            Assert.DoesNotMatch("(?i)(password|secret|token|apikey|private_key)", i.Arguments);
        }

        // The build context filter keeps keys and local state out even of the build stage.
        var ignore = File.ReadAllLines(DockerPath(file + ".dockerignore")).Select(l => l.Trim()).ToList();
        Assert.Contains("**", ignore);
        foreach (var pattern in new[] { "**/*.key", "**/*.pem", "**/*.p12", "**/bin/", "**/obj/" })
        {
            Assert.Contains(pattern, ignore);
        }

        Assert.DoesNotContain(ignore, l => l.StartsWith("!.dev", StringComparison.Ordinal) || l.StartsWith("!.tools", StringComparison.Ordinal) || l.StartsWith("!tests", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Entry_point_is_the_published_program_in_exec_form(string file, string project, string executable)
    {
        var df = Load(file);
        var entry = df.Final.Of("ENTRYPOINT").Single().Arguments;
        Assert.Equal($"[\"/app/{executable}\"]", entry.Replace(" ", "", StringComparison.Ordinal));

        // The published project exists and its assembly name is that executable.
        var csproj = RepositoryPaths.Combine(project.Split('/'));
        Assert.True(File.Exists(csproj), csproj);
        var assemblyName = XDocument.Load(csproj).Descendants("AssemblyName").Single().Value;
        Assert.Equal(executable, assemblyName);
        Assert.Contains(df.Stages[0].Instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish " + project, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Runtime_is_ready_for_a_read_only_root_filesystem(string file)
    {
        var env = string.Join(' ', Load(file).Final.Of("ENV").Select(e => e.Arguments));
        // No diagnostics IPC socket written to the filesystem; ICU on (addresses may be internationalised).
        Assert.Contains("DOTNET_EnableDiagnostics=0", env, StringComparison.Ordinal);
        Assert.Contains("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=false", env, StringComparison.Ordinal);
        Assert.Contains("TMPDIR=/tmp", env, StringComparison.Ordinal);
    }

    [Fact]
    public void Gateway_runs_on_the_chiseled_extra_image_with_its_spool_owned_by_app()
    {
        var df = Load("gateway.Dockerfile");
        Assert.Contains("/dotnet/aspnet:", df.Final.Image, StringComparison.Ordinal);
        Assert.EndsWith("-noble-chiseled-extra", df.Final.Image, StringComparison.Ordinal);
        Assert.Contains(df.Final.Of("COPY"), c => c.Arguments.Contains("--chown=1654:1654", StringComparison.Ordinal) && c.Arguments.EndsWith(" /var/spool/mssgw/", StringComparison.Ordinal));
        Assert.Contains(df.Final.Of("VOLUME"), v => v.Arguments.Contains("/var/spool/mssgw", StringComparison.Ordinal));
        var exposed = df.Final.Of("EXPOSE").SelectMany(e => e.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(["2525", "2587", "2465", "9090"], exposed);
        // The application files are not writable by the process.
        Assert.Contains(df.Final.Of("COPY"), c => c.Arguments.Contains("--chown=0:0", StringComparison.Ordinal) && c.Arguments.EndsWith(" /app/", StringComparison.Ordinal));
    }

    [Fact]
    public void Gateway_image_bounds_glibc_malloc_arenas()
    {
        // Set before the process starts (glibc reads it then): docs/configuration.md "Runtime settings".
        var env = string.Join(' ', Load("gateway.Dockerfile").Final.Of("ENV").Select(e => e.Arguments));
        Assert.Contains("MALLOC_ARENA_MAX=2", env, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_sync_runtime_has_the_native_ldap_library()
    {
        var df = Load("directory-sync.Dockerfile");
        Assert.DoesNotContain("chiseled", df.Final.Image, StringComparison.Ordinal);
        var run = string.Join('\n', df.Final.Of("RUN").Select(r => r.Arguments));
        Assert.Contains("apt-get install", run, StringComparison.Ordinal);
        Assert.Matches(@"\blibldap2\b", run);
        // The build checks the library is there (System.DirectoryServices.Protocols loads libldap.so.2).
        Assert.Contains("ldconfig -p | grep", run, StringComparison.Ordinal);
        Assert.Contains("rm -rf /var/lib/apt/lists", run, StringComparison.Ordinal);
        // Packages are installed as root before switching to the app user.
        var final = df.Final.Instructions;
        Assert.True(final.FindIndex(i => i.Keyword == "RUN") < final.FindIndex(i => i.Keyword == "USER"));
    }

    [Fact]
    public void Sdk_and_runtime_images_are_the_same_dotnet_major_version()
    {
        foreach (var file in new[] { "gateway.Dockerfile", "directory-sync.Dockerfile" })
        {
            var versions = Load(file).Stages.Select(s => MajorVersion().Match(s.Image).Groups[1].Value).Distinct().ToList();
            Assert.Equal(["10"], versions);
        }
    }

    private static Dockerfile Load(string file) => Dockerfile.Load(DockerPath(file));

    private static string DockerPath(string file) => RepositoryPaths.Combine("docker", file);

    [GeneratedRegex(@":\d+\.\d+\.\d+[-\w.]*(@sha256:[0-9a-f]{64})?$")]
    private static partial Regex FullVersionTag();

    [GeneratedRegex(@":(\d+)\.")]
    private static partial Regex MajorVersion();
}
