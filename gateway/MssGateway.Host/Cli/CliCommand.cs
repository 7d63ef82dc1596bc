using System.Text;

namespace MssGateway.Host.Cli;

/// <summary>
/// One command of the <c>mssgw</c> executable as its help shows it, declared once: the overview of
/// <c>mssgw --help</c> lists them, <c>mssgw COMMAND --help</c> prints one (docs/operator-guide.md
/// "Command line" lists the same commands; a test keeps them in step). Help needs no configuration
/// and starts nothing.
/// </summary>
public sealed record CliCommand(string Name, string Usage, string Summary, string Details, IReadOnlyList<(string Option, string Meaning)> Options)
{
    public static CliCommand Run { get; } = new(
        "run",
        "mssgw [run] [--dev] [--config FILE] [--Gateway:Key=value ...]",
        "run the gateway (the default command)",
        "Reads appsettings.json next to the executable (and appsettings.Development.json with --dev), then\n"
        + "environment variables (Gateway__Spool__Path=...), then --Gateway:Key=value arguments; validates\n"
        + "everything, recovers the spool, binds the SMTP listeners and the HTTP port, and runs until SIGTERM\n"
        + "(then drains). Exit codes: 0 stopped, 2 configuration error (every problem named), 3 port in use.",
        [
            ("--dev", "dev mode: loopback ports, .dev/ PKI, directory, spool and maildir (./run.sh)"),
            ("--config FILE", "use FILE instead of the appsettings*.json files"),
            ("--Gateway:Key=value", "any configuration key (docs/configuration.md)"),
        ]);

    public static CliCommand Queue { get; } = new(
        "queue",
        "mssgw queue <verb> [args] [--config FILE | --spool DIR | --dev]",
        "inspect and steer the spool: list, show, shape, retry, hold, release, delete",
        string.Empty,
        []);

    public static CliCommand Journal { get; } = new(
        "journal",
        "mssgw journal verify|export [--journal DIR] [--instance NAME] [--public-key FILE ...] [--since TIME] [--until TIME] [--config FILE | --spool DIR | --dev]",
        "check the exchange journal's chain and signatures (verify), or stream its records as JSON lines (export)",
        "verify reads every file of each instance in order and checks sequence numbers, hash links, checkpoint\n"
        + "signatures, rotated files and retention; it names the first bad record (file, line, seq, reason).\n"
        + "export writes the records exactly as stored, one JSON object per line, for a SIEM.\n"
        + "Exit codes: 0 journal intact (export: done), 1 a bad record found or no journal, 2 usage.",
        [
            ("--journal DIR", "the journal root (all instances) or one instance's directory (default Gateway:Journal:Path, else <spool>/journal)"),
            ("--instance NAME", "only this instance (pod)"),
            ("--public-key FILE", "a public (or private) P-256 key in PEM checking the checkpoints; repeat for older keys (default Gateway:Journal:SigningKeyFile)"),
            ("--since TIME", "export: records at or after TIME (ISO 8601, UTC unless an offset is given)"),
            ("--until TIME", "export: records before TIME"),
        ]);

    public static CliCommand HealthCheck { get; } = new(
        "healthcheck",
        "mssgw healthcheck [--ready | --live] [--url URL] [--timeout SECONDS]",
        "probe a running gateway's /readyz (or /healthz); exit 0 when it answers 200, else 1",
        "For container health checks (Dockerfile HEALTHCHECK, compose depends_on: service_healthy). Needs no\n"
        + "configuration and opens no port: it only sends one HTTP GET. When URL has a path other than /, that\n"
        + "path is used as given. Prints one line: the endpoint, the status and, when not 200, the body.\n"
        + "Exit codes: 0 answered 200, 1 any other answer, no answer or timeout, 2 usage.",
        [
            ("--ready", "GET /readyz: ready to take mail (the default)"),
            ("--live", "GET /healthz: the process serves HTTP (liveness)"),
            ("--url URL", "where the gateway's HTTP port is (default http://127.0.0.1:9090)"),
            ("--timeout SECONDS", "give up after SECONDS (default 5)"),
        ]);

    public static CliCommand Version { get; } = new(
        "version",
        "mssgw version | mssgw --version",
        "print the version and the commit it was built from",
        "One line: mssgw VERSION (commit COMMIT, .NET RUNTIME). The commit is absent from builds made outside a git clone.",
        []);

    public static CliCommand Help { get; } = new(
        "help",
        "mssgw help [command] | mssgw --help | mssgw <command> --help",
        "this overview, or one command's help",
        string.Empty,
        []);

    public static IReadOnlyList<CliCommand> All { get; } = [Run, Queue, Journal, HealthCheck, Version, Help];

    public static CliCommand? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    /// <summary><c>mssgw --help</c>.</summary>
    public static string Overview()
    {
        var sb = new StringBuilder();
        sb.Append("mssgw ").Append(GatewayVersion.Short).AppendLine(" - MSSante secure mail gateway");
        sb.AppendLine();
        sb.AppendLine("usage: mssgw [command] [options]");
        sb.AppendLine();
        sb.AppendLine("commands:");
        foreach (var c in All)
        {
            sb.Append("  ").Append(c.Name.PadRight(13)).AppendLine(c.Summary);
        }

        sb.AppendLine();
        sb.AppendLine("mssgw <command> --help shows a command's options. Configuration: appsettings.json next to the");
        sb.AppendLine("executable, environment variables (Gateway__Spool__Path=...), --Gateway:Key=value (docs/configuration.md).");
        sb.Append("Guides: docs/operator-guide.md, docs/hospital-guide.md, docs/developer-guide.md.");
        return sb.ToString();
    }

    /// <summary><c>mssgw COMMAND --help</c>.</summary>
    public string Text()
    {
        var sb = new StringBuilder();
        sb.Append("usage: ").AppendLine(Usage);
        sb.AppendLine();
        sb.Append(char.ToUpperInvariant(Summary[0])).Append(Summary[1..]).AppendLine(".");
        if (Details.Length > 0)
        {
            sb.AppendLine(Details);
        }

        if (Options.Count > 0)
        {
            sb.AppendLine();
            foreach (var (option, meaning) in Options)
            {
                sb.Append("  ").Append(option.PadRight(22)).Append(' ').AppendLine(meaning);
            }
        }

        return sb.ToString().TrimEnd();
    }
}
