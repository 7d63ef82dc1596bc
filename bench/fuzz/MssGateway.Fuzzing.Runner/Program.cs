using MssGateway.Fuzzing;

// mssgw-fuzz: the afl-fuzz side of bench/fuzz (run.sh drives it).
//   mssgw-fuzz list                      targets, one a line: name, dictionary, description
//   mssgw-fuzz seeds TARGET DIR          writes the committed and generated seeds of TARGET into DIR
//   mssgw-fuzz fuzz TARGET               SharpFuzz fork server for afl-fuzz (input on stdin)
//   mssgw-fuzz replay TARGET FILE|DIR... runs inputs once each, prints outcome or crash; exit 1 on a crash
// MSSGW_FUZZ_PKI names the folder of the run's PKI (made there when absent; never committed).
var command = args.Length > 0 ? args[0] : "help";
var pkiDirectory = Environment.GetEnvironmentVariable("MSSGW_FUZZ_PKI");
switch (command)
{
    case "list":
        using (var context = new FuzzContext(pkiDirectory))
        {
            foreach (var name in FuzzTargets.Names)
            {
                var target = FuzzTargets.Create(name, context);
                Console.WriteLine($"{target.Name}\t{target.Dictionary}\t{target.Description}");
                (target as IDisposable)?.Dispose();
            }
        }

        return 0;
    case "seeds" when args.Length == 3:
        using (var context = new FuzzContext(pkiDirectory))
        {
            var target = FuzzTargets.Create(args[1], context);
            Directory.CreateDirectory(args[2]);
            var n = 0;
            foreach (var (name, data) in FuzzTargets.Seeds(target))
            {
                File.WriteAllBytes(Path.Combine(args[2], name), data);
                n++;
            }

            Console.WriteLine($"{n} seeds written to {args[2]}");
            (target as IDisposable)?.Dispose();
        }

        return 0;
    case "fuzz" when args.Length == 2:
        using (var context = new FuzzContext(pkiDirectory))
        {
            if (!FuzzTargets.Names.Contains(args[1]))
            {
                Console.Error.WriteLine($"unknown fuzz target '{args[1]}'");
                return 2;
            }

            // Instrumented code may only run inside the action (SharpFuzz maps afl's coverage memory
            // first): the target, and the PKI it may make, are created on the first input.
            // Out of process: a hang or a stack overflow kills the child, not the fork server.
            IFuzzTarget? target = null;
            SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                target ??= FuzzTargets.Create(args[1], context);
                target.Run(buffer.ToArray());
            });
        }

        return 0;
    case "replay" when args.Length >= 3:
        using (var context = new FuzzContext(pkiDirectory))
        {
            var target = FuzzTargets.Create(args[1], context);
            var files = args.Skip(2).SelectMany(a => Directory.Exists(a) ? Directory.EnumerateFiles(a).Order(StringComparer.Ordinal) : (IEnumerable<string>)[a]);
            var crashes = 0;
            foreach (var file in files)
            {
                try
                {
                    Console.WriteLine($"{target.Run(File.ReadAllBytes(file)),-8} {file}");
                }
#pragma warning disable CA1031 // replay reports every crash, whatever its type
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    crashes++;
                    Console.WriteLine($"CRASH    {file}: {ex.GetType().FullName}: {ex.Message}");
                    Console.WriteLine(ex.StackTrace);
                }
            }

            (target as IDisposable)?.Dispose();
            return crashes == 0 ? 0 : 1;
        }

    default:
        Console.Error.WriteLine("usage: mssgw-fuzz list | seeds TARGET DIR | fuzz TARGET | replay TARGET FILE|DIR...");
        return 2;
}
