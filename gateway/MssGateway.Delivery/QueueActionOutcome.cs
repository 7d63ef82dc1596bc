namespace MssGateway.Delivery;

/// <summary>What one queue CLI action did to one message (a single-id verb or one message of a bulk verb).</summary>
public enum QueueActionOutcome
{
    /// <summary>The message moved (or was deleted) as asked.</summary>
    Done,

    /// <summary>The message was already where the verb puts it (hold of a held message, retry of an incoming one).</summary>
    AlreadyDone,

    /// <summary>Being delivered right now (in <c>active/</c>): left alone, try again (exit 75).</summary>
    Busy,

    /// <summary>Not in the spool (any more).</summary>
    NotFound,

    /// <summary>The verb does not apply to a message in that state (release of a deferred one, retry of a held one).</summary>
    NotApplicable,
}
