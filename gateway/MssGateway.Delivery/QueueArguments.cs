using System.Globalization;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// The arguments of one <c>mssgw queue</c> verb, parsed: positionals (a queue id, or a state for
/// <c>list</c>/<c>shape</c>), the filter, and the flags. A parse error is a value
/// (<see cref="Error"/>), printed with the verb's usage and exit code 2.
/// </summary>
public sealed class QueueArguments
{
    public required string Verb { get; init; }

    /// <summary>Arguments that are not options, in order.</summary>
    public IReadOnlyList<string> Positionals { get; init; } = [];

    public QueueFilter Filter { get; init; } = new();

    public bool Json { get; init; }

    public bool Yes { get; init; }

    public bool All { get; init; }

    public bool Help { get; init; }

    /// <summary><c>shape --by sender</c>: the sender domain distribution instead of the recipient one.</summary>
    public bool BySender { get; init; }

    /// <summary><c>shape --buckets N</c>: number of age buckets (qshape -b, default 10).</summary>
    public int Buckets { get; init; } = 10;

    /// <summary><c>shape --bucket-minutes M</c>: age limit of the first bucket (qshape -t, default 5); each next one doubles it.</summary>
    public int BucketMinutes { get; init; } = 5;

    /// <summary><c>shape --top N</c>: domains shown, most loaded first (default 20).</summary>
    public int Top { get; init; } = 20;

    /// <summary>Why the arguments could not be parsed, naming the argument; null when they could.</summary>
    public string? Error { get; init; }

    public static QueueArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var verb = args.Count > 0 ? args[0].ToLowerInvariant() : string.Empty;
        var positionals = new List<string>();
        var states = new List<SpoolState>();
        string? domain = null, sender = null, error = null;
        TimeSpan? olderThan = null;
        bool json = false, yes = false, all = false, help = false, bySender = false;
        int buckets = 10, bucketMinutes = 5, top = 20;
        for (var i = 1; i < args.Count && error is null; i++)
        {
            var a = args[i];
            string? Value()
            {
                if (i + 1 < args.Count)
                {
                    return args[++i];
                }

                error = $"{a} needs a value";
                return null;
            }

            switch (a)
            {
                case "--help" or "-h":
                    help = true;
                    break;
                case "--json":
                    json = true;
                    break;
                case "--yes" or "-y":
                    yes = true;
                    break;
                case "--all":
                    all = true;
                    break;
                case "--state":
                    if (Value() is { } s)
                    {
                        foreach (var word in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        {
                            if (ParseState(word) is { } state)
                            {
                                states.Add(state);
                            }
                            else
                            {
                                error = $"--state {word}: not a queue state (incoming, active, deferred, hold, corrupt)";
                            }
                        }
                    }

                    break;
                case "--domain":
                    if (Value() is { } d && (domain = QueueFilter.ParseDomain(d)) is null)
                    {
                        error = $"--domain {d}: not a domain name (write b.mssante.fr, or .mssante.fr for its subdomains too)";
                    }

                    break;
                case "--sender":
                    if (Value() is { } f && (sender = QueueFilter.ParseSender(f)) is null)
                    {
                        error = $"--sender {f}: write an address, @domain, or '<>' for the null sender";
                    }

                    break;
                case "--older-than":
                    if (Value() is { } o && (olderThan = QueueFilter.ParseAge(o)) is null)
                    {
                        error = $"--older-than {o}: write an age such as 30m, 2h, 3d or 1d12h";
                    }

                    break;
                case "--by":
                    var by = Value();
                    if (by is "sender")
                    {
                        bySender = true;
                    }
                    else if (by is not ("recipient" or null))
                    {
                        error = $"--by {by}: write sender or recipient";
                    }

                    break;
                case "--buckets":
                    buckets = Number(Value(), 2, 30, ref error, a);
                    break;
                case "--bucket-minutes":
                    bucketMinutes = Number(Value(), 1, 100_000, ref error, a);
                    break;
                case "--top":
                    top = Number(Value(), 1, 100_000, ref error, a);
                    break;
                default:
                    if (a.StartsWith('-') && a != "-")
                    {
                        error = $"unknown option {a}";
                    }
                    else
                    {
                        positionals.Add(a);
                    }

                    break;
            }
        }

        return new QueueArguments
        {
            Verb = verb,
            Positionals = positionals,
            Filter = new QueueFilter { States = states.Distinct().ToArray(), RecipientDomain = domain, Sender = sender, OlderThan = olderThan },
            Json = json,
            Yes = yes,
            All = all,
            Help = help,
            BySender = bySender,
            Buckets = buckets,
            BucketMinutes = bucketMinutes,
            Top = top,
            Error = error,
        };
    }

    /// <summary>A state name as the CLI writes it (lower case), or null.</summary>
    public static SpoolState? ParseState(string word) =>
        Enum.TryParse<SpoolState>(word, ignoreCase: true, out var s) && Enum.IsDefined(s) && !int.TryParse(word, out _) ? s : null;

    private static int Number(string? text, int min, int max, ref string? error, string option)
    {
        if (text is null)
        {
            return min;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        error ??= $"{option} {text}: write a whole number from {min} to {max}";
        return min;
    }
}
