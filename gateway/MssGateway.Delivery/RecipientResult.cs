namespace MssGateway.Delivery;

/// <summary>What became of one recipient in one delivery attempt.</summary>
public enum RecipientResult
{
    Delivered,
    Deferred,
    Failed,
}
