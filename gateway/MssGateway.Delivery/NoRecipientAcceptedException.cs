namespace MssGateway.Delivery;

/// <summary>
/// Raised inside MailKit's send when the next hop refused every RCPT: MailKit then stops before DATA.
/// Each refusal is already recorded per recipient, so this only ends the transaction.
/// </summary>
public sealed class NoRecipientAcceptedException : Exception
{
    public NoRecipientAcceptedException()
        : base("The next hop accepted none of the recipients.")
    {
    }

    public NoRecipientAcceptedException(string message)
        : base(message)
    {
    }

    public NoRecipientAcceptedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
