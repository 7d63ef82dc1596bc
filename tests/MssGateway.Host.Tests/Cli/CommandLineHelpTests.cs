using MssGateway.Delivery;
using MssGateway.Host.Cli;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Cli;

/// <summary>
/// <c>mssgw --help</c>, <c>--version</c> and <c>mssgw COMMAND --help</c> work like the tools operators
/// know: without configuration and without starting anything. Each runs in an empty folder with a
/// configuration that would stop the server at once (exit 2), so a help that read it would fail.
/// </summary>
public sealed class CommandLineHelpTests : IDisposable
{
    private readonly TempDirectory _empty = new("mssgw-cli-help");

    /// <summary>Settings the server refuses (a port that is not a number, a spool that does not exist).</summary>
    private static readonly Dictionary<string, string> BrokenConfiguration = new()
    {
        ["Gateway__Listeners__0__Port"] = "not-a-port",
        ["Gateway__Spool__Path"] = "/nonexistent/mssgw-spool",
        ["DOTNET_ENVIRONMENT"] = "Production",
    };

    private Task<ExternalProcess.Result> RunAsync(params string[] args) => Mssgw.RunAsync(args, _empty.Path, BrokenConfiguration);

    public static TheoryData<string> Commands() => [.. CliCommand.All.Select(c => c.Name)];

    public static TheoryData<string> QueueVerbs() => [.. QueueVerb.All.Select(v => v.Name)];

    [Fact]
    public async Task The_server_itself_refuses_this_configuration()
    {
        var r = await RunAsync();

        Assert.Equal(2, r.ExitCode); // so the help tests below prove they never read it
        Assert.Contains("configuration error", r.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Help_lists_every_command_and_exits_0(string flag)
    {
        var r = await RunAsync(flag);

        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("mssgw " + GatewayVersion.Short, r.StdOut, StringComparison.Ordinal);
        foreach (var c in CliCommand.All)
        {
            Assert.Contains($"  {c.Name}", r.StdOut, StringComparison.Ordinal);
        }

        Assert.Empty(r.StdErr);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("-V")]
    [InlineData("version")]
    public async Task Version_prints_the_informational_version_and_the_commit_and_exits_0(string flag)
    {
        var r = await RunAsync(flag);

        Assert.Equal(0, r.ExitCode);
        var line = r.StdOut.Trim();
        Assert.Matches(@"^mssgw \d+\.\d+\.\d+[^ ]* \((commit [0-9a-f]{7,12}|no commit recorded), \.NET \d+", line);
        var head = (await ExternalProcess.RunAsync("git", ["-C", RepositoryPaths.Root, "rev-parse", "HEAD"])).StdOut.Trim();
        if (GatewayVersion.Commit is { } commit)
        {
            Assert.Contains("commit " + commit[..12], line, StringComparison.Ordinal);
            Assert.Matches("^[0-9a-f]{40}$", head); // built in this clone: the commit is a real one
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Every_command_has_help_that_needs_no_configuration(string command)
    {
        var viaFlag = await RunAsync(command, "--help");
        var viaHelp = await RunAsync("help", command);

        Assert.Equal(0, viaFlag.ExitCode);
        Assert.Equal(0, viaHelp.ExitCode);
        Assert.Contains("usage: mssgw", viaFlag.StdOut, StringComparison.Ordinal);
        Assert.Equal(viaFlag.StdOut, viaHelp.StdOut);
        Assert.DoesNotContain("configuration error", viaFlag.StdErr + viaHelp.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(QueueVerbs))]
    public async Task Every_queue_verb_has_help_without_a_spool(string verb)
    {
        var r = await RunAsync("queue", verb, "--help");
        var viaHelp = await RunAsync("help", "queue", verb);

        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith($"usage: mssgw queue {verb} ", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("exit codes:", r.StdOut, StringComparison.Ordinal);
        Assert.Equal(r.StdOut, viaHelp.StdOut);
    }

    [Fact]
    public async Task Queue_help_lists_every_verb_without_a_spool()
    {
        var r = await RunAsync("queue", "--help");
        var bare = await RunAsync("queue");

        Assert.Equal(0, r.ExitCode);
        foreach (var v in QueueVerb.All)
        {
            Assert.Contains($"  {v.Name} ", r.StdOut, StringComparison.Ordinal);
        }

        Assert.Equal(QueueCommand.ExitUsage, bare.ExitCode); // no verb: usage, exit 2
        Assert.Equal(r.StdOut, bare.StdOut);
    }

    [Fact]
    public async Task Help_after_server_options_prints_the_run_help_without_starting()
    {
        var r = await RunAsync("--dev", "--help");

        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("usage: mssgw [run]", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_command_is_refused_with_exit_2_and_the_list_of_commands()
    {
        var r = await RunAsync("frobnicate");
        var help = await RunAsync("help", "frobnicate");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown command 'frobnicate'", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("healthcheck", r.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, help.ExitCode);
    }

    [Fact]
    public async Task Unknown_queue_verb_is_refused_with_exit_2()
    {
        var r = await RunAsync("queue", "frobnicate", "--spool", _empty.Path);

        Assert.Equal(QueueCommand.ExitUsage, r.ExitCode);
        Assert.Contains("unknown verb 'frobnicate'", r.StdOut, StringComparison.Ordinal);
    }

    public void Dispose() => _empty.Dispose();
}
