namespace MssGateway.Fuzzing;

/// <summary>
/// What one input did. A crash is not an outcome: it is any exception that leaves
/// <see cref="IFuzzTarget.Run"/> (SharpFuzz reports it to afl-fuzz), an afl-fuzz time-out, or the
/// run's memory bound (DOTNET_GCHeapHardLimit, set by run.sh) passed.
/// </summary>
public enum FuzzOutcome
{
    /// <summary>The parser took the input (a message accepted, a path parsed, a CRL used...).</summary>
    Accepted,

    /// <summary>The parser refused it the documented way: its own exception type, an error reply, a refusal verdict.</summary>
    Rejected,

    /// <summary>The input never reaches the parser in production (e.g. a command line the SMTP session refuses first).</summary>
    Skipped,
}
