using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MssGateway.Delivery;
using MssGateway.Directory;
using MssGateway.Spool;

namespace MssGateway.DeliveryBench;

/// <summary>The delivery services wired as the host wires them, delivering the local domain to 127.0.0.1:port over plain SMTP.</summary>
internal static class DeliveryStack
{
    public const string LocalDomain = "hopital-a.test";

    public static ServiceProvider Build(MessageSpool spool, int port, int workers)
    {
        var directoryFile = Path.Combine(spool.Root, "..", "bench-directory.json");
        File.WriteAllText(directoryFile, """{"mailboxes":[],"authorisedDomains":[]}""");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HeloName"] = "gw.bench.test",
            ["LocalDomains:0"] = LocalDomain,
            ["InternalNextHop:Host"] = "127.0.0.1",
            ["InternalNextHop:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["InternalNextHop:Tls"] = "None",
            ["MaxConcurrentDeliveries"] = workers.ToString(CultureInfo.InvariantCulture),
            ["ConcurrencyPerDestination"] = workers.ToString(CultureInfo.InvariantCulture),
            ["PollInterval"] = "00:00:00.100",
            ["RetrySchedule:0"] = "00:00:01",
            ["RetryJitter"] = "0",
        }.ToDictionary(kv => DeliveryOptions.SectionName + ":" + kv.Key, kv => kv.Value)).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(spool);
        services.AddSingleton<IMailboxDirectory>(new FileMailboxDirectory(directoryFile));
        services.AddSingleton<IPeerCertificateValidator, NoOperatorPeers>();
        services.AddSingleton<IConfiguration>(configuration).AddMssDelivery();
        return services.BuildServiceProvider();
    }

    /// <summary>The bench only delivers locally; no operator peer is ever trusted.</summary>
    private sealed class NoOperatorPeers : IPeerCertificateValidator
    {
        public ValueTask<PeerVerdict> ValidateAsync(X509Certificate2 peer, X509Certificate2Collection extra, string expectedDomain, CancellationToken ct) =>
            ValueTask.FromResult(PeerVerdict.Reject(PeerRefusal.NotListed, "bench"));
    }
}
