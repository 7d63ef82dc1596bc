namespace MssGateway.Journal;

/// <summary>What <see cref="JournalVerifier"/> found in one instance's journal.</summary>
public sealed record JournalVerification
{
    public required string Directory { get; init; }

    public int Files { get; init; }

    public long Records { get; init; }

    public int Checkpoints { get; init; }

    /// <summary>Sequence number of the last signed checkpoint (0: none).</summary>
    public long LastCheckpointSeq { get; init; }

    /// <summary>Records after the last checkpoint: chained, not yet signed.</summary>
    public long UnsignedTail { get; init; }

    /// <summary>The first record found bad (null when the journal verifies).</summary>
    public JournalFault? FirstFault { get; init; }

    public bool Ok => FirstFault is null;
}

/// <summary>The first bad record: where it is, its sequence number (when readable) and what is wrong.</summary>
public sealed record JournalFault(string File, int Line, long? Seq, string Reason)
{
    public override string ToString() => $"{System.IO.Path.GetFileName(File)} line {Line}{(Seq is { } s ? $" (seq {s})" : string.Empty)}: {Reason}";
}
