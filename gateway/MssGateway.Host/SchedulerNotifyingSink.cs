using MssGateway.Delivery;

namespace MssGateway.Host;

/// <summary>Wakes the delivery scheduler for each message made durable.</summary>
public sealed class SchedulerNotifyingSink : IAcceptedMessageSink
{
    private readonly IDeliveryScheduler _scheduler;

    public SchedulerNotifyingSink(IDeliveryScheduler scheduler)
    {
        _scheduler = scheduler;
    }

    public void Accepted(string queueId) => _scheduler.Notify(queueId);
}
