namespace MssGateway.Delivery;

/// <summary>What a delivery says about its destination's health, for the concurrency window and the dead-destination cache.</summary>
internal enum NextHopFeedback
{
    /// <summary>Nothing learnt (a local decision, or a session lost after the peer had answered).</summary>
    None,

    /// <summary>A session was opened, or a reused one answered: the destination works.</summary>
    Success,

    /// <summary>No session could be opened (connection, TLS, greeting, EHLO, STARTTLS, peer certificate, DNS failure).</summary>
    Failure,
}
