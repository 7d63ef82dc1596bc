namespace MssGateway.Fuzzing;

/// <summary>One parser entry point for afl-fuzz, fed as production feeds it.</summary>
public interface IFuzzTarget
{
    /// <summary>Name used by <c>bench/fuzz/run.sh TARGET</c> (seed folder <c>seeds/NAME</c>).</summary>
    string Name { get; }

    /// <summary>Which code is under test and what counts as its documented rejection.</summary>
    string Description { get; }

    /// <summary>Dictionary file under <c>bench/fuzz/dict/</c>.</summary>
    string Dictionary { get; }

    /// <summary>
    /// Runs one input. Documented rejections return <see cref="FuzzOutcome.Rejected"/>; any other
    /// exception escapes and is a crash.
    /// </summary>
    FuzzOutcome Run(byte[] input);

    /// <summary>
    /// Seeds made at run time (certificates, CRLs, OCSP responses, signed lists: they need the run's
    /// PKI), in addition to the committed files of <c>seeds/NAME</c>.
    /// </summary>
    IEnumerable<KeyValuePair<string, byte[]>> GeneratedSeeds();
}
