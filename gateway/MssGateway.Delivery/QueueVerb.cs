using System.Text;

namespace MssGateway.Delivery;

/// <summary>
/// One verb of <c>mssgw queue</c> as its help shows it, declared once: the usage line and summary
/// printed by <c>mssgw queue --help</c>, and the details and options printed by
/// <c>mssgw queue VERB --help</c> (docs/operator-guide.md lists the same verbs; a test keeps them in step).
/// </summary>
public sealed record QueueVerb(string Name, string Arguments, string Summary, string Details, IReadOnlyList<(string Option, string Meaning)> Options)
{
    private static readonly (string, string)[] Filters =
    [
        ("--state S[,S]", "incoming, active, deferred, hold (corrupt: list only); repeatable"),
        ("--domain D", "a recipient in domain D (.D: D and its subdomains)"),
        ("--sender S", "sender address, @domain, or '<>' for the null sender (bounces)"),
        ("--older-than AGE", "accepted at least AGE ago: 45s, 30m, 2h, 3d, 1w, 1d12h"),
    ];

    private static readonly (string, string)[] Bulk =
    [
        .. Filters,
        ("--all", "every message the verb applies to (no other filter needed)"),
        ("--yes", "do it; without --yes the verb only prints what it would change and exits 3"),
    ];

    public static IReadOnlyList<QueueVerb> All { get; } =
    [
        new("list", "[STATE|all] [FILTERS] [--json]", "messages with sender, recipients, attempts, next attempt",
            "One line per message, oldest first, then the count. --json prints one JSON object per message and line, like\n"
            + "postqueue -j: queue_name, queue_id, arrival_time, message_size, sender, recipients[] (address, status,\n"
            + "delay_reason, next_hop), attempts, last_attempt_time, next_attempt_time, held. Addresses are shown as\n"
            + "the spool holds them, or hashed (h:...) when Gateway:Logging:HashAddresses is on.",
            [("STATE", "incoming, active, deferred, hold, corrupt or all (default all)"), .. Filters, ("--json", "one JSON object per line")]),
        new("show", "<queue-id> [--json]", "envelope and per-recipient state (never the body)",
            "Sender, recipients with NOTIFY/ORCPT, RET/ENVID, client, TLS, certificate identity, attempts and\n"
            + "each recipient's last reply and next hop.",
            [("--json", "the same object as list --json")]),
        new("shape", "[STATE|all] [FILTERS] [--by sender] [--buckets N] [--bucket-minutes M] [--top N]", "age x domain table, like Postfix's qshape",
            "Rows: recipient domains (or sender domains with --by sender), busiest first, under a TOTAL row.\n"
            + "Columns: T (total), then age buckets in minutes, each twice the previous (5 10 20 40 ... like\n"
            + "qshape -t 5 -b 10), the last one open-ended. Recipient rows count recipients still pending; sender rows\n"
            + "count messages. Default states: incoming, active, deferred, hold.",
            [("STATE", "as for list (default all but corrupt)"), .. Filters, ("--by sender", "sender domains instead of recipient domains"), ("--buckets N", "number of age buckets (default 10)"), ("--bucket-minutes M", "age limit of the first bucket (default 5)"), ("--top N", "domains shown (default 20; the rest are in TOTAL)")]),
        new("retry", "<queue-id> | FILTERS --yes | --all --yes", "deferred -> incoming, now",
            "Clears the next-attempt time and moves the message back in line: the scheduler tries it within\n"
            + "Gateway:Delivery:PollInterval. In bulk it applies to deferred messages.",
            Bulk),
        new("hold", "<queue-id> | FILTERS --yes | --all --yes", "incoming/deferred -> hold (not delivered until released)",
            "The scheduler never touches hold/: a held message waits (and does not expire) until released.",
            Bulk),
        new("release", "<queue-id> | FILTERS --yes | --all --yes", "hold -> incoming",
            "Puts a held message back in line, due at once.",
            Bulk),
        new("delete", "<queue-id> | FILTERS --yes | --all --yes", "remove a message that is not being delivered (no DSN)",
            "The message is first claimed by a rename into hold/, so a delete never races a delivery. No DSN is\n"
            + "sent: tell the sender yourself if needed. In bulk it applies to incoming, deferred and hold.",
            Bulk),
    ];

    /// <summary>Exit codes of every verb (the same for all).</summary>
    public const string ExitCodes = "exit codes: 0 done, 1 no such message, 2 usage, 3 not confirmed (bulk without --yes), 74 the journal is on and cannot record the action (nothing changed), 75 being delivered or the journal busy (try again)";

    /// <summary><c>mssgw queue --help</c>.</summary>
    public static string Overview()
    {
        var sb = new StringBuilder();
        sb.AppendLine("usage: mssgw queue <verb> [args] [--config FILE | --spool DIR | --dev] [--Gateway:Key=value ...]");
        sb.AppendLine();
        sb.AppendLine("Inspect and steer the spool of a running gateway (safe while it runs). Verbs:");
        foreach (var v in All)
        {
            var usage = $"{v.Name} {v.Arguments}";
            sb.Append("  ").Append(usage.Length > 58 ? usage + "\n" + new string(' ', 61) : usage.PadRight(59)).AppendLine(v.Summary);
        }

        sb.AppendLine();
        sb.AppendLine("The spool is Gateway:Spool:Path of appsettings.json (or of --config FILE, --dev), or --spool DIR.");
        sb.AppendLine("mssgw queue <verb> --help shows a verb's options.");
        sb.Append(ExitCodes);
        return sb.ToString();
    }

    /// <summary><c>mssgw queue VERB --help</c>.</summary>
    public string Help()
    {
        var sb = new StringBuilder();
        sb.Append("usage: mssgw queue ").Append(Name).Append(' ').AppendLine(Arguments);
        sb.AppendLine();
        sb.AppendLine(Summary + ".");
        sb.AppendLine(Details);
        if (Options.Count > 0)
        {
            sb.AppendLine();
            foreach (var (option, meaning) in Options)
            {
                sb.Append("  ").Append(option.PadRight(22)).Append(' ').AppendLine(meaning);
            }
        }

        sb.AppendLine();
        sb.Append(ExitCodes);
        return sb.ToString();
    }

    public static QueueVerb? Find(string name) => All.FirstOrDefault(v => v.Name == name);
}
