using MssGateway.Delivery;
using MssGateway.Host.Cli;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Documentation;

/// <summary>docs/operator-guide.md names every command of mssgw, every queue verb and every option the CLI's help declares.</summary>
public sealed class CliDocumentationTests
{
    private static readonly string Guide = File.ReadAllText(RepositoryPaths.Combine("docs", "operator-guide.md"));

    [Fact]
    public void Every_command_is_in_the_operator_guide()
    {
        foreach (var command in CliCommand.All)
        {
            Assert.Contains($"mssgw {command.Name}", Guide, StringComparison.Ordinal);
            foreach (var (option, _) in command.Options)
            {
                Assert.Contains(option.Split(' ')[0].Split('=')[0], Guide, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Every_queue_verb_and_option_is_in_the_operator_guide()
    {
        foreach (var verb in QueueVerb.All)
        {
            Assert.Contains($"| `{verb.Name} ", Guide, StringComparison.Ordinal);
            foreach (var (option, _) in verb.Options.Where(o => o.Option.StartsWith("--", StringComparison.Ordinal)))
            {
                Assert.Contains(option.Split(' ')[0], Guide, StringComparison.Ordinal);
            }
        }

        Assert.Contains(QueueVerb.ExitCodes.Replace("exit codes: ", string.Empty, StringComparison.Ordinal).Split(',')[0], Guide.Replace("Exit codes: ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void The_operator_guide_shows_the_kubectl_exec_line_for_a_pod()
    {
        Assert.Contains("kubectl -n mssante exec mssgw-mssante-gateway-0 -c gateway -- /app/mssgw queue", Guide, StringComparison.Ordinal);
    }
}
