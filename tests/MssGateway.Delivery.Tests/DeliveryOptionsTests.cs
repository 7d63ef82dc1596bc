using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MssGateway.Delivery.Tests;

/// <summary>Start-up validation of Gateway:Delivery and the parts of options with logic in them.</summary>
public sealed class DeliveryOptionsTests(TestPki pki) : IClassFixture<TestPki>
{
    private static ValidateOptionsResult Validate(Action<DeliveryOptions> change)
    {
        var o = new DeliveryOptions { LocalDomains = ["hopital-a.test"], InternalNextHop = { Host = "mail.hopital-a.test" } };
        change(o);
        return new DeliveryOptionsValidator().Validate(null, o);
    }

    [Fact]
    public void Defaults_with_an_internal_hop_are_valid()
    {
        Assert.True(Validate(_ => { }).Succeeded);
    }

    [Theory]
    [InlineData("InternalNextHop:Host")]
    [InlineData("TransportMap:operateur-b.test")]
    [InlineData("ClientCertificateFile")]
    [InlineData("MinimumTlsVersion")]
    [InlineData("ConcurrencyPerDestination")]
    public void Each_invalid_setting_is_reported_with_its_key(string key)
    {
        var result = Validate(o =>
        {
            switch (key)
            {
                case "InternalNextHop:Host": o.InternalNextHop.Host = string.Empty; break;
                case "TransportMap:operateur-b.test": o.TransportMap["operateur-b.test"] = "mx b:25"; break;
                case "ClientCertificateFile": o.ClientCertificateFile = "/nonexistent/cert.pem"; break;
                case "MinimumTlsVersion": o.MinimumTlsVersion = (OutboundTlsVersion)99; break;
                default: o.ConcurrencyPerDestination = 0; break;
            }
        });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Delivery:" + key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_certificate_with_a_key_that_does_not_match_is_refused_at_start()
    {
        var good = Validate(o => (o.ClientCertificateFile, o.ClientKeyFile) = (pki.GatewayCertificateFile, pki.GatewayKeyFile));
        var mismatched = Validate(o => (o.ClientCertificateFile, o.ClientKeyFile) = (pki.GatewayCertificateFile, Path.Combine(pki.Directory, "peer.key")));

        Assert.True(good.Succeeded, good.FailureMessage);
        Assert.True(mismatched.Failed);
        Assert.Contains("Gateway:Delivery:ClientCertificateFile/ClientKeyFile cannot be read", mismatched.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_configuration_stops_the_start_with_a_message_naming_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Delivery:LocalDomains:0"] = "hopital-a.test",
            ["Gateway:Delivery:RetrySchedule:0"] = "-00:01:00",
        }).Build();
        using var sp = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddMssDelivery().BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<DeliveryOptions>>().Value);

        Assert.Contains("Gateway:Delivery:InternalNextHop:Host", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:Delivery:RetrySchedule:0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Retry_schedule_from_configuration_replaces_the_default_and_its_last_step_repeats()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RetrySchedule:0"] = "00:01:00",
            ["RetrySchedule:1"] = "00:30:00",
        }).Build();
        var o = configuration.Get<DeliveryOptions>()!;

        Assert.Equal(TimeSpan.FromMinutes(1), o.RetryDelay(1));
        Assert.Equal(TimeSpan.FromMinutes(30), o.RetryDelay(2));
        Assert.Equal(TimeSpan.FromMinutes(30), o.RetryDelay(9));
        Assert.Equal(TimeSpan.FromMinutes(5), new DeliveryOptions().RetryDelay(1));
        Assert.Equal(TimeSpan.FromHours(1), new DeliveryOptions().RetryDelay(50));
    }

    [Theory]
    [InlineData("mx.operateur-b.fr:2525", "mx.operateur-b.fr", 2525)]
    [InlineData("mx.operateur-b.fr", "mx.operateur-b.fr", 25)]
    [InlineData("[2001:db8::1]:587", "2001:db8::1", 587)]
    public void Transport_map_targets_parse_as_host_and_port(string text, string host, int port)
    {
        Assert.True(NextHopAddress.TryParse(text, 25, out var a));
        Assert.Equal(new NextHopAddress(host, port), a);
    }

    [Theory]
    [InlineData("550 5.1.1 user unknown", 550, "5.1.1", "user unknown")]
    [InlineData("451 try later", 451, "4.0.0", "try later")]
    public void Stored_replies_parse_back_with_their_enhanced_code(string stored, int code, string enhanced, string text)
    {
        var r = DeliveryReply.Parse(stored)!;
        Assert.Equal(new DeliveryReply(code, enhanced, text), r);
        Assert.Equal(code >= 500, r.IsPermanent);
    }

    [Fact]
    public void Every_option_is_in_the_table_of_delivery_md()
    {
        var doc = File.ReadAllText(MssGateway.Testing.RepositoryPaths.Combine("docs", "delivery.md"));
        var table = doc[doc.IndexOf("## 6. Options", StringComparison.Ordinal)..doc.IndexOf("## 7.", StringComparison.Ordinal)];
        foreach (var p in typeof(DeliveryOptions).GetProperties().Where(p => p.CanWrite))
        {
            if (p.PropertyType == typeof(InternalNextHopOptions))
            {
                foreach (var q in typeof(InternalNextHopOptions).GetProperties())
                {
                    Assert.Contains($"`InternalNextHop:{q.Name}`", table, StringComparison.Ordinal);
                }

                continue;
            }

            Assert.True(table.Contains($"`{p.Name}`", StringComparison.Ordinal) || table.Contains($"`{p.Name}:", StringComparison.Ordinal), $"{p.Name} is not in docs/delivery.md §6");
        }
    }

    [Fact]
    public void Scheduling_options_out_of_range_are_reported_with_their_key()
    {
        var r = Validate(o =>
        {
            o.InitialConcurrency = 0;
            o.FailedCohortLimit = 0;
            o.MaxMessagesPerConnection = 0;
            o.ConnectionIdleTimeout = TimeSpan.Zero;
            o.DataTerminationTimeout = TimeSpan.FromSeconds(-1);
        });
        foreach (var key in new[] { "InitialConcurrency", "FailedCohortLimit", "MaxMessagesPerConnection", "ConnectionIdleTimeout", "DataTerminationTimeout" })
        {
            Assert.Contains(r.Failures!, f => f.StartsWith("Gateway:Delivery:" + key, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_pipeline_depth_outside_1_to_8_is_refused_with_its_key_and_the_default_is_2()
    {
        foreach (var depth in new[] { 0, -1, 9 })
        {
            var r = Validate(o => o.PipelineDepth = depth);
            Assert.Contains(r.Failures!, f => f.StartsWith("Gateway:Delivery:PipelineDepth is " + depth.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        Assert.True(Validate(o => o.PipelineDepth = 1).Succeeded);
        Assert.True(Validate(o => o.PipelineDepth = 8).Succeeded);
        Assert.Equal(2, new DeliveryOptions().PipelineDepth);
    }

    [Fact]
    public void A_delete_sync_interval_below_zero_or_above_one_second_is_refused_with_its_key()
    {
        foreach (var interval in new[] { TimeSpan.FromMilliseconds(-1), TimeSpan.FromSeconds(2) })
        {
            var r = Validate(o => o.DeleteSyncInterval = interval);
            Assert.Contains(r.Failures!, f => f.StartsWith("Gateway:Delivery:DeleteSyncInterval", StringComparison.Ordinal));
        }

        Assert.True(Validate(o => o.DeleteSyncInterval = TimeSpan.Zero).Succeeded);
        Assert.Equal(TimeSpan.FromMilliseconds(50), new DeliveryOptions().DeleteSyncInterval);
    }
}
