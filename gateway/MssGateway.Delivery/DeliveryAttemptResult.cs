namespace MssGateway.Delivery;

/// <summary>The result of <see cref="MessageDelivery.RunAsync"/>.</summary>
public readonly record struct DeliveryAttemptResult(DeliveryAttemptStatus Status, DateTimeOffset? NextAttemptAt = null)
{
    public static DeliveryAttemptResult Completed => new(DeliveryAttemptStatus.Completed);

    public static DeliveryAttemptResult Skipped => new(DeliveryAttemptStatus.Skipped);
}
