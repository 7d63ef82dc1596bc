using Microsoft.Extensions.Logging;

namespace MssGateway.Delivery;

/// <summary>Delivery log events (fields only: queue id, next hop, result, reply; never a body or a subject).</summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(EventId = 6001, EventName = "DeliveryAttempt", Level = LogLevel.Information,
        Message = "delivery attempt queue_id={QueueId} next_hop={NextHop} result={Result} recipients={Recipients} reply_code={ReplyCode} enhanced={EnhancedCode} attempt={Attempt} duration_ms={DurationMs} reply={Reply}")]
    public static partial void Attempt(ILogger logger, string queueId, string nextHop, string result, int recipients, int replyCode, string enhancedCode, int attempt, long durationMs, string reply);

    [LoggerMessage(EventId = 6002, EventName = "MessageDone", Level = LogLevel.Information,
        Message = "message removed from queue queue_id={QueueId} delivered={Delivered} failed={Failed} attempts={Attempts}")]
    public static partial void Done(ILogger logger, string queueId, int delivered, int failed, int attempts);

    [LoggerMessage(EventId = 6003, EventName = "MessageDeferred", Level = LogLevel.Information,
        Message = "message deferred queue_id={QueueId} pending={Pending} next_attempt={NextAttempt:o}")]
    public static partial void Deferred(ILogger logger, string queueId, int pending, DateTimeOffset nextAttempt);

    [LoggerMessage(EventId = 6004, EventName = "DsnQueued", Level = LogLevel.Information,
        Message = "DSN queued queue_id={QueueId} dsn_queue_id={DsnQueueId} type={Type} recipients={Recipients}")]
    public static partial void DsnQueued(ILogger logger, string queueId, string dsnQueueId, string type, int recipients);

    [LoggerMessage(EventId = 6005, EventName = "NoDsnForNullSender", Level = LogLevel.Information,
        Message = "no DSN for a message with the null sender queue_id={QueueId} type={Type} recipients={Recipients}")]
    public static partial void NoDsnForNullSender(ILogger logger, string queueId, string type, int recipients);

    [LoggerMessage(EventId = 6006, EventName = "CorruptMessage", Level = LogLevel.Error,
        Message = "spool file unreadable, set aside in corrupt/ queue_id={QueueId} error={Error}")]
    public static partial void Corrupt(ILogger logger, string queueId, string error);

    [LoggerMessage(EventId = 6007, EventName = "DeliveryCrashed", Level = LogLevel.Error,
        Message = "delivery of queue_id={QueueId} failed unexpectedly; it stays queued and is retried")]
    public static partial void Crashed(ILogger logger, Exception exception, string queueId);

    [LoggerMessage(EventId = 6008, EventName = "SchedulerStarted", Level = LogLevel.Information,
        Message = "delivery scheduler started requeued_from_active={Requeued} incoming={Incoming} deferred_known={Deferred} slots={Workers} scan_ms={ScanMs}")]
    public static partial void Started(ILogger logger, int requeued, int incoming, int deferred, int workers, long scanMs);

    [LoggerMessage(EventId = 6009, EventName = "NoClientCertificate", Level = LogLevel.Warning,
        Message = "no client certificate configured (Gateway:Delivery:ClientCertificateFile): other MSSanté operators will refuse the gateway's connections")]
    public static partial void NoClientCertificate(ILogger logger);

    [LoggerMessage(EventId = 6010, EventName = "SpoolScanFailed", Level = LogLevel.Error,
        Message = "scanning the spool failed; retrying at the next poll")]
    public static partial void ScanFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6011, EventName = "DestinationDead", Level = LogLevel.Warning,
        Message = "destination declared dead destination={Destination} consecutive_failures={Failures} reply_code={ReplyCode} enhanced={EnhancedCode} retry_in_s={RetryInSeconds} parked={Parked}")]
    public static partial void DestinationDead(ILogger logger, string destination, int failures, int replyCode, string enhancedCode, long retryInSeconds, int parked);

    [LoggerMessage(EventId = 6013, EventName = "DeliveryDirectoryUnavailable", Level = LogLevel.Warning,
        Message = "directory unavailable while routing queue_id={QueueId}: deferred (451 4.4.3 directory_unavailable), retried error={Error}")]
    public static partial void DirectoryUnavailable(ILogger logger, string queueId, string error);

    [LoggerMessage(EventId = 6012, EventName = "DestinationRevived", Level = LogLevel.Information,
        Message = "destination answers again destination={Destination} released={Released}")]
    public static partial void DestinationRevived(ILogger logger, string destination, int released);

    [LoggerMessage(EventId = 6014, EventName = "DeleteSyncFailed", Level = LogLevel.Error,
        Message = "the directory fsync that makes delivered messages' deletes durable failed; retried, their state files kept messages={Messages} error={Error}")]
    public static partial void DeleteSyncFailed(ILogger logger, int messages, string error);

    [LoggerMessage(EventId = 6015, EventName = "DeletionRecordFailed", Level = LogLevel.Error,
        Message = "a delivered message's delete is durable but its Deletion record could not be written to the exchange journal queue_id={QueueId} error={Error}")]
    public static partial void DeletionRecordFailed(ILogger logger, string queueId, string error);

    [LoggerMessage(EventId = 6016, EventName = "DeliveryOutOfStep", Level = LogLevel.Warning,
        Message = "outbound connection given up, the peer sent octets nobody asked for (a reply would have been read one command off): not reused connection={Connection} where={Where}")]
    public static partial void OutOfStep(ILogger logger, string connection, string where);
}
