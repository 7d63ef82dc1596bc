using MssGateway.Testing;

namespace MssGateway.Host.Tests.Documentation;

/// <summary>docs/configuration.md names every section and key of the host's own options.</summary>
public sealed class ConfigurationDocumentationTests
{
    [Fact]
    public void Every_host_option_is_documented()
    {
        var doc = File.ReadAllText(RepositoryPaths.Combine("docs", "configuration.md"));
        foreach (var section in typeof(GatewayOptions).GetProperties())
        {
            Assert.Contains($"`Gateway:{section.Name}", doc, StringComparison.Ordinal);
        }

        foreach (var type in new[] { typeof(GatewayListenerOptions), typeof(TlsFileOptions), typeof(HttpOptions), typeof(DirectorySection), typeof(RoutingOptions), typeof(LoggingSection), typeof(ShutdownOptions), typeof(DeliverySwitch), typeof(MssGateway.Spool.SpoolOptions) })
        {
            foreach (var key in type.GetProperties())
            {
                Assert.Contains(key.Name, doc, StringComparison.Ordinal);
            }
        }
    }
}
