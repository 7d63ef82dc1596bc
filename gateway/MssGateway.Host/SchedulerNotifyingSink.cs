using MssGateway.Delivery;
using MssGateway.Spool;

namespace MssGateway.Host;

/// <summary>Wakes the delivery scheduler for each message made durable.</summary>
public sealed class SchedulerNotifyingSink : IAcceptedMessageSink
{
    private readonly IDeliveryScheduler _scheduler;

    public SchedulerNotifyingSink(IDeliveryScheduler scheduler)
    {
        _scheduler = scheduler;
    }

    public void Accepted(string queueId, SpoolMessage? committed)
    {
        if (committed is null)
        {
            _scheduler.Notify(queueId);
        }
        else
        {
            _scheduler.Notify(committed);
        }
    }
}
