using System.Globalization;
using System.Security.Cryptography;
using MssGateway.Journal;

namespace MssGateway.Host.Cli;

/// <summary>
/// <c>mssgw journal verify|export</c> (docs/security.md "Data at rest and the exchange journal"):
/// checks an exchange journal's chain and signatures and names the first bad record, or streams its
/// records as JSON lines. It reads the journal where the gateway writes it (<c>Gateway:Journal:Path</c>,
/// else <c>journal/</c> in the spool), or <c>--journal DIR</c>, one instance or all of them.
/// </summary>
public static class JournalCommand
{
    public const int ExitOk = 0;
    public const int ExitBad = 1;
    public const int ExitUsage = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var cli = CliConfiguration.Load(args);
        var rest = cli.Remaining.ToList();
        if (rest.Count == 0 || rest.Any(a => a is "--help" or "-h") || rest[0] is not ("verify" or "export"))
        {
            await output.WriteLineAsync(CliCommand.Journal.Text());
            return rest.Count == 0 || rest[0] is "--help" or "-h" ? ExitOk : ExitUsage;
        }

        var verb = rest[0];
        var journalDir = Value(rest, "--journal") ?? cli.Configuration[JournalOptions.Section + ":Path"]
            ?? (cli.Configuration["Gateway:Spool:Path"] is { Length: > 0 } spool ? Path.Combine(spool, "journal") : null);
        if (journalDir is null || !System.IO.Directory.Exists(journalDir))
        {
            await error.WriteLineAsync($"mssgw journal: journal directory '{journalDir}' not found: pass --journal DIR, or --config FILE (Gateway:Journal:Path, else <Gateway:Spool:Path>/journal), or --dev.");
            return ExitUsage;
        }

        var instances = JournalFiles.Instances(journalDir);
        if (Value(rest, "--instance") is { } only)
        {
            instances = [.. instances.Where(d => Path.GetFileName(d) == JournalFiles.SafeInstance(only))];
        }

        if (instances.Count == 0)
        {
            await error.WriteLineAsync($"mssgw journal: no journal file under '{journalDir}'{(Value(rest, "--instance") is { } i ? $" for instance {i}" : string.Empty)}.");
            return ExitBad;
        }

        return verb == "verify"
            ? await VerifyAsync(cli, rest, instances, output, error)
            : await ExportAsync(rest, instances, error, cancellationToken);
    }

    private static async Task<int> VerifyAsync(CliConfiguration cli, List<string> rest, IReadOnlyList<string> instances, TextWriter output, TextWriter error)
    {
        var keyFiles = Values(rest, "--public-key").ToList();
        if (keyFiles.Count == 0 && cli.Configuration[JournalOptions.Section + ":SigningKeyFile"] is { Length: > 0 } signing)
        {
            keyFiles.Add(signing);
        }

        if (keyFiles.Count == 0)
        {
            await error.WriteLineAsync("mssgw journal verify: no key to check the checkpoints with: pass --public-key FILE (the signing key's public half: openssl pkey -in journal.key -pubout), or --config FILE with Gateway:Journal:SigningKeyFile.");
            return ExitUsage;
        }

        var keys = new List<JournalSigner>();
        try
        {
            foreach (var file in keyFiles)
            {
                keys.Add(JournalSigner.Load(file));
            }

            var status = ExitOk;
            foreach (var instance in instances)
            {
                var result = JournalVerifier.Verify(instance, keys);
                if (result.FirstFault is { } fault)
                {
                    status = ExitBad;
                    await output.WriteLineAsync($"journal {instance}: FAILED at {fault} ({result.Records} records read before it)");
                }
                else
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"journal {instance}: OK, {result.Records} records in {result.Files} files, {result.Checkpoints} signed checkpoints (last at seq {result.LastCheckpointSeq}), {result.UnsignedTail} records after it not yet signed"));
                }
            }

            return status;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or CryptographicException)
        {
            await error.WriteLineAsync($"mssgw journal verify: {ex.Message}");
            return ExitUsage;
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    private static async Task<int> ExportAsync(List<string> rest, IReadOnlyList<string> instances, TextWriter error, CancellationToken cancellationToken)
    {
        DateTimeOffset? since = null, until = null;
        foreach (var (name, set) in new (string, Action<DateTimeOffset>)[] { ("--since", t => since = t), ("--until", t => until = t) })
        {
            if (Value(rest, name) is { } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
                {
                    await error.WriteLineAsync($"mssgw journal export: {name} '{text}' is not a time (e.g. 2026-12-01T08:00:00Z).");
                    return ExitUsage;
                }

                set(t);
            }
        }

        await using var stdout = Console.OpenStandardOutput();
        foreach (var instance in instances)
        {
            await JournalExport.WriteAsync(instance, stdout, since, until, cancellationToken);
        }

        return ExitOk;
    }

    private static string? Value(List<string> args, string name) => Values(args, name).LastOrDefault();

    private static IEnumerable<string> Values(List<string> args, string name)
    {
        for (var i = 0; i + 1 < args.Count; i++)
        {
            if (args[i] == name)
            {
                yield return args[i + 1];
            }
        }
    }
}
