using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MssGateway.Directory;
using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>Options validation, DI registration, metrics and the documentation of every option and reason.</summary>
[Collection(PkiCollection.Name)]
public sealed class TrustOptionsTests(TestPki pki) : IDisposable
{
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Validation_messages_name_the_configuration_key()
    {
        var options = new TrustOptions
        {
            AnchorPaths = ["/nonexistent/igc.p7b"],
            Revocation = new RevocationOptions { Grace = TimeSpan.FromMinutes(-1), CrlUrls = ["ldap://x"] },
            ClientAuthExtendedKeyUsages = ["clientAuth"],
        };
        var result = new TrustOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        var text = string.Join('\n', result.Failures!);
        Assert.Contains("Gateway:Trust:AnchorPaths:0", text, StringComparison.Ordinal);
        Assert.Contains("Gateway:Trust:Revocation:Grace", text, StringComparison.Ordinal);
        Assert.Contains("Gateway:Trust:Revocation:CrlUrls:0", text, StringComparison.Ordinal);
        Assert.Contains("Gateway:Trust:ClientAuthExtendedKeyUsages:0", text, StringComparison.Ordinal);
    }

    [Fact]
    public void No_anchor_at_all_is_refused_at_start_up()
    {
        var result = new TrustOptionsValidator().Validate(null, new TrustOptions());
        Assert.True(result.Failed);
        Assert.Contains("Gateway:Trust:AnchorPaths", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddMssTrust_binds_the_section_and_resolves_the_engine_binding_and_refresh_service()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Trust:AnchorPaths:0"] = pki.File("igc-sante.p7b"),
            ["Gateway:Trust:Revocation:UseDistributionPoints"] = "false",
            ["Gateway:Trust:Revocation:CrlFiles:0"] = pki.Crl("root-fort"),
            ["Gateway:Trust:Revocation:CrlFiles:1"] = pki.Crl("ca-pers"),
            ["Gateway:Trust:Revocation:CacheDirectory"] = _work.Combine("cache"),
            ["Gateway:Trust:Revocation:Grace"] = "01:00:00",
            ["Gateway:Trust:PolicyOids:submission:0"] = "1.2.250.1.71.4.2.7.1.99",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IMailboxDirectory>(new EmptyDirectory());
        services.AddSingleton<IConfiguration>(config).AddMssTrust();
        await using var sp = services.BuildServiceProvider();

        var options = sp.GetRequiredService<IOptions<TrustOptions>>().Value;
        Assert.Equal(TimeSpan.FromHours(1), options.Revocation.Grace);
        Assert.Equal(["1.2.250.1.71.4.2.7.1.99"], options.PolicyOids["submission"]);
        var engine = sp.GetRequiredService<ICertificateTrustEngine>();
        Assert.Same(sp.GetRequiredService<CertificateTrustEngine>(), engine);
        Assert.NotNull(sp.GetRequiredService<SenderBinding>());
        Assert.Contains(sp.GetServices<IHostedService>(), s => s is TrustRefreshService);
        var verdict = await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, "submission", default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    [Fact]
    public void AddMssTrust_with_a_bad_section_fails_validation_naming_the_key()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Trust:AnchorPaths:0"] = "/nonexistent",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(config).AddMssTrust();
        using var sp = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<TrustOptions>>().Value);
        Assert.Contains("Gateway:Trust:AnchorPaths:0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMssTrust_with_an_unknown_key_stops_start_up_naming_it()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Trust:AnchorPaths:0"] = pki.File("igc-sante.p7b"),
            ["Gateway:Trust:HolderKind:UseIgcSanteDefaults"] = "false", // "HolderKinds" misspelt
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(config).AddMssTrust();
        using var sp = services.BuildServiceProvider();
        var ex = Assert.Throws<InvalidOperationException>(() => sp.GetRequiredService<IOptions<TrustOptions>>().Value);
        Assert.Contains("'HolderKind'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checks_are_counted_by_reason_and_crl_freshness_is_observable()
    {
        using var metrics = new TrustMetrics();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var gauges = new Dictionary<string, double>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == TrustMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "mssgw_client_certificate_checks_total")
            {
                var reason = (string)tags.ToArray().Single(t => t.Key == "reason").Value!;
                counts[reason] = counts.GetValueOrDefault(reason) + value;
            }
        });
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => gauges[instrument.Name] = value);
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var ca = tags.ToArray().FirstOrDefault(t => t.Key == "issuer_ca").Value as string;
            gauges[instrument.Name + (ca is null ? string.Empty : "{" + ca + "}")] = value;
        });
        listener.Start();

        using var engine = pki.Engine(_work, metrics: metrics);
        await engine.ValidateAsync(pki.Leaf("cps-valid"), null, CertificateUsage.ClientAuth, null, default);
        await engine.ValidateAsync(pki.Leaf("cps-revoked"), null, CertificateUsage.ClientAuth, null, default);
        await engine.ValidateAsync(pki.Leaf("cps-expired"), null, CertificateUsage.ClientAuth, null, default);
        listener.RecordObservableInstruments();

        Assert.Equal(1, counts["ok"]);
        Assert.Equal(1, counts["client_cert_revoked"]);
        Assert.Equal(1, counts["client_cert_expired"]);
        Assert.Equal(4, gauges["mssgw_trust_anchors_loaded"] + 2); // 2 roots as anchors (+2 intermediates)
        Assert.True(gauges["mssgw_crl_next_update_timestamp_seconds{TEST AC IGC-SANTE FORT PERSONNES}"] > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(0, gauges["mssgw_trust_stale"]);
    }

    [Fact]
    public void Docs_list_every_option_and_every_reason()
    {
        var doc = File.ReadAllText(RepositoryPaths.Combine("docs", "trust.md"));
        foreach (var key in OptionKeys(typeof(TrustOptions), "Gateway:Trust"))
        {
            Assert.Contains("`" + key + "`", doc, StringComparison.Ordinal);
        }

        foreach (var label in Enum.GetValues<CertificateRefusal>().Select(r => r.ToLabel()).Concat(Enum.GetValues<SenderRefusal>().Select(r => r.ToLabel())))
        {
            Assert.Contains($"`{label}`", doc, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Docs_list_every_refusal_detail_crl_refusal_cause_and_default_issuer()
    {
        var doc = File.ReadAllText(RepositoryPaths.Combine("docs", "trust.md"));
        foreach (var detail in CertificateCheckDetails.All.Where(d => d != CertificateCheckDetails.Ok))
        {
            Assert.Contains($"| `{detail}` |", doc, StringComparison.Ordinal);
        }

        foreach (var cause in CrlRefusal.Labels)
        {
            Assert.Contains($"`{cause}`", doc, StringComparison.Ordinal);
        }

        // The defaults table names each hierarchy by its suffix and its CA names with <level>.
        foreach (var rule in HolderKindMap.IgcSanteDefaults)
        {
            var dn = DistinguishedName.Parse(rule.Issuer);
            var suffix = rule.Issuer[(rule.Issuer.IndexOf(',', StringComparison.Ordinal) + 1)..];
            Assert.Contains(suffix, doc, StringComparison.Ordinal);
            var cn = dn.Get("2.5.4.3")!;
            foreach (var level in new[] { "ELEMENTAIRE", "STANDARD", "FORT" })
            {
                cn = cn.Replace(level, "<level>", StringComparison.Ordinal);
            }

            Assert.Contains(cn.Replace(" PERSONNES", string.Empty, StringComparison.Ordinal).Replace(" ORGANISATIONS", string.Empty, StringComparison.Ordinal), doc, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Metrics_catalogue_lists_the_trust_metrics()
    {
        var doc = File.ReadAllText(RepositoryPaths.Combine("docs", "metrics.md"));
        foreach (var name in new[] { "mssgw_certificate_refusals_total", "mssgw_crl_refused_total", "mssgw_ocsp_responses_total" })
        {
            Assert.Contains($"| `{name}` |", doc, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<string> OptionKeys(Type type, string prefix)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var key = prefix + ":" + p.Name;
            if (p.PropertyType.IsClass && p.PropertyType.Namespace == typeof(TrustOptions).Namespace)
            {
                foreach (var k in OptionKeys(p.PropertyType, key))
                {
                    yield return k;
                }
            }
            else
            {
                yield return key;
            }
        }
    }

    private sealed class EmptyDirectory : IMailboxDirectory
    {
        public ValueTask<MailboxEntry?> FindByAddressAsync(string address, CancellationToken cancellationToken) => ValueTask.FromResult<MailboxEntry?>(null);

        public ValueTask<IReadOnlyList<MailboxEntry>> FindByNationalIdentifierAsync(string nationalIdentifier, CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<MailboxEntry>>([]);

        public ValueTask<AuthorisedDomain?> FindAuthorisedDomainAsync(string domain, CancellationToken cancellationToken) => ValueTask.FromResult<AuthorisedDomain?>(null);

        public ValueTask<DirectoryStatus> GetStatusAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new DirectoryStatus { Reachable = true });
    }
}
