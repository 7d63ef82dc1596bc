using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// One queue CLI action on one message, as its journal record describes it: the verb, the message, the
/// state it was found in, its envelope when readable (for the recipients; never the content) and what the
/// operator asked (<c>queue delete ID</c>, or the bulk verb with its filters).
/// </summary>
public sealed record QueueAction(string Verb, string QueueId, SpoolState? State, SpoolEnvelope? Envelope, string Request);
