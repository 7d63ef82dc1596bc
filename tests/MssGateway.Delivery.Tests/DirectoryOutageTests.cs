using Microsoft.Extensions.DependencyInjection;
using MssGateway.Directory;
using MssGateway.Directory.Redis;
using MssGateway.Spool;
using MssGateway.Testing;
using StackExchange.Redis;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// A directory outage while delivery routes a message (the liste blanche lives in Redis) is broken
/// infrastructure, not a bug: the message is deferred with its own reason (451 4.4.3
/// directory_unavailable), counted and logged as such, and retried — never counted as a delivery_error.
/// </summary>
public sealed class DirectoryOutageTests
{
    [Fact]
    public async Task Delivery_while_the_redis_directory_is_down_is_deferred_with_4_4_3_directory_unavailable()
    {
        var redis = await RedisServer.StartAsync();
        var connection = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { redis.Configuration },
            AbortOnConnectFail = false,
            ConnectTimeout = 1000,
            SyncTimeout = 1000,
            AsyncTimeout = 1000,
        });
        var directory = new RedisMailboxDirectory(connection, new RedisDirectoryOptions { Configuration = redis.Configuration }, ownsConnection: true);
        await using var h = new DeliveryHarness(new() { ["Gateway:Delivery:RetrySchedule:0"] = "00:10:00" }, configure: s => s.AddSingleton<IMailboxDirectory>(directory));
        await h.StartAsync();

        await redis.DisposeAsync(); // the directory goes down while the gateway runs
        var id = await h.SubmitAsync(SampleMessages.Clinical("outage@hopital-a.test"), ["dr.petit@" + DeliveryHarness.RemoteDomain]);
        await h.WaitAsync(() => h.Spool.Locate(id) == SpoolState.Deferred && h.Spool.ReadState(id)?.Recipients.Single().LastReply is not null, "the deferral", 60);

        var recipient = h.Spool.ReadState(id)!.Recipients.Single();
        Assert.Equal(RecipientStatus.Pending, recipient.Status);
        Assert.StartsWith("451 4.4.3 directory_unavailable", recipient.LastReply, StringComparison.Ordinal);
        Assert.Equal(1, h.Measurements.GetValueOrDefault("mssgw_delivery_local_deferrals_total{reason=directory_unavailable}"));
        Assert.Equal(0, h.Measurements.GetValueOrDefault("mssgw_delivery_local_deferrals_total{reason=delivery_error}"));
        Assert.Contains(h.Logs, l => l.StartsWith("DeliveryDirectoryUnavailable", StringComparison.Ordinal));
        Assert.Contains(h.Logs, l => l.StartsWith("DeliveryAttempt", StringComparison.Ordinal) && l.Contains("enhanced=4.4.3", StringComparison.Ordinal));
        Assert.DoesNotContain(h.Logs, l => l.StartsWith("DeliveryCrashed", StringComparison.Ordinal));
    }
}
