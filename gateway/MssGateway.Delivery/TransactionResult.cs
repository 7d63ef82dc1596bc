namespace MssGateway.Delivery;

/// <summary>
/// What one transaction on a session came to. <see cref="Outcomes"/> has one entry per recipient.
/// <see cref="NothingAnswered"/>: the session failed before the next hop answered anything of this
/// transaction — on a reused session that is a connection the peer had already closed (its idle
/// timeout), so the caller tries again at once on a new one instead of deferring.
/// </summary>
internal sealed record TransactionResult(IReadOnlyList<RecipientOutcome> Outcomes, bool SessionUsable, bool NothingAnswered = false);
