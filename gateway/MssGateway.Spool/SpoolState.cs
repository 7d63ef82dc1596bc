namespace MssGateway.Spool;

/// <summary>The spool's state directories (DESIGN.md §3 "Spool").</summary>
public enum SpoolState
{
    /// <summary>Accepted and durable, waiting for a first delivery attempt.</summary>
    Incoming,

    /// <summary>Being delivered by this process.</summary>
    Active,

    /// <summary>Waiting for a retry.</summary>
    Deferred,

    /// <summary>Held by an operator.</summary>
    Hold,

    /// <summary>Unreadable files, set aside for a human; never delivered.</summary>
    Corrupt,
}
