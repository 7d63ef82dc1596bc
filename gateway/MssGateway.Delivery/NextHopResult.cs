namespace MssGateway.Delivery;

/// <summary>The outcome of each recipient, and what the attempt says about the destination (<see cref="Failure"/> is the reply when no session could be opened).</summary>
internal sealed record NextHopResult(IReadOnlyList<RecipientOutcome> Outcomes, NextHopFeedback Feedback = NextHopFeedback.None, DeliveryReply? Failure = null);
