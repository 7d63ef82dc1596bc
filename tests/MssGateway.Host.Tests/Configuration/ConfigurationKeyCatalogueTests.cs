using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MssGateway.Configuration;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Configuration;

/// <summary>
/// The known keys are learned from the options types as they are registered, so a component's new options are
/// known without a list to keep; lists are indexed, dictionaries are data; everything else is refused with the
/// nearest known key.
/// </summary>
public sealed class ConfigurationKeyCatalogueTests
{
    public sealed class SampleOptions
    {
        public string Path { get; set; } = "/var/lib/sample";

        public List<string> Hosts { get; set; } = [];

        public List<SampleItem> Items { get; set; } = [];

        public Dictionary<string, List<string>> ByListener { get; set; } = [];

        public Dictionary<string, SampleItem> Named { get; set; } = [];
    }

    public sealed class SampleItem
    {
        public int Port { get; set; }
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Options_registered_with_BindConfiguration_are_learned_from_the_registration()
    {
        var services = new ServiceCollection();
        services.AddOptions<SampleOptions>().BindConfiguration("Gateway:Journal").ValidateOnStart();
        var catalogue = new ConfigurationKeyCatalogue().AddRegistered(services, Config());

        Assert.True(catalogue.IsKnown("Gateway:Journal:Path"));
        Assert.False(catalogue.IsKnown("Gateway:Journal:Pth"));
    }

    /// <summary>
    /// The framework binds its own options (Kestrel, logging providers) in the same service collection; learning them
    /// recursively made ~380,000 patterns at start-up, and a "did you mean" over them ran for minutes.
    /// </summary>
    [Fact]
    public void Only_the_registrations_under_the_root_are_learned()
    {
        var services = new ServiceCollection();
        services.AddOptions<SampleOptions>().BindConfiguration("Gateway:Journal");
        services.AddOptions<SampleItem>().BindConfiguration("Kestrel");
        var catalogue = new ConfigurationKeyCatalogue().AddRegistered(services, Config(), "Gateway");

        Assert.True(catalogue.IsKnown("Gateway:Journal:Path"));
        Assert.False(catalogue.IsKnown("Kestrel:Port"));
        Assert.Equal("Gateway:Journal:Path", catalogue.Nearest("Gateway:Journal:Pathh"));
    }

    /// <summary>A real host's start-up registrations: the catalogue stays at the size of our own keys.</summary>
    [Fact]
    public void The_gateway_catalogue_of_a_real_host_builder_holds_only_gateway_keys()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        builder.Services.AddOptions<SampleOptions>().BindConfiguration("Gateway:Journal");
        var catalogue = MssGateway.Host.GatewayProgram.KnownKeys(builder.Services, builder.Configuration);

        Assert.False(catalogue.IsKnown("Kestrel:Limits:MaxRequestBodySize"));
        Assert.Equal("Gateway:Journal:Path", catalogue.Nearest("Gateway:Journal:Pathh"));
    }

    [Fact]
    public void Options_registered_with_Bind_section_are_learned_from_the_registration()
    {
        var configuration = Config();
        var services = new ServiceCollection();
        services.AddOptions<SampleOptions>().Bind(configuration.GetSection("Gateway:Sample"));
        var catalogue = new ConfigurationKeyCatalogue().AddRegistered(services, configuration);

        Assert.True(catalogue.IsKnown("Gateway:Sample:Hosts:0"));
    }

    [Fact]
    public void List_elements_are_indexed_and_dictionary_keys_are_data()
    {
        var catalogue = new ConfigurationKeyCatalogue().Add("Gateway:Sample", typeof(SampleOptions));

        Assert.True(catalogue.IsKnown("Gateway:Sample:Hosts:3"));
        Assert.True(catalogue.IsKnown("Gateway:Sample:Items:0:Port"));
        Assert.False(catalogue.IsKnown("Gateway:Sample:Items:0:Prot"));
        Assert.True(catalogue.IsKnown("Gateway:Sample:ByListener:relay:0"));
        Assert.True(catalogue.IsKnown("Gateway:Sample:Named:anything:Port"));
        Assert.False(catalogue.IsKnown("Gateway:Sample:Named:anything:Prot"));
        Assert.True(catalogue.IsKnown("Gateway:Sample"));
    }

    [Fact]
    public void An_unknown_key_is_reported_once_with_its_source_and_the_nearest_key()
    {
        var catalogue = new ConfigurationKeyCatalogue().Add("Gateway:Sample", typeof(SampleOptions)).Add("Gateway:Other", typeof(SampleItem));
        var errors = catalogue.FindUnknown(Config(("Gateway:Other:Hosts:0", "a"), ("Gateway:Other:Hosts:1", "b"), ("Gateway:Sample:Pat", "x")), "Gateway");

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Gateway:Other:Hosts (set by MemoryConfigurationProvider) is not a configuration key: did you mean Gateway:Sample:Hosts?", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.EndsWith("did you mean Gateway:Sample:Path?", StringComparison.Ordinal));
    }

    [Fact]
    public void The_misplaced_local_domains_key_points_at_the_delivery_section()
    {
        var errors = GatewayProgram.AllKeys().FindUnknown(Config(("Gateway:Routing:LocalDomains:0", "hopital.mssante.fr")), "Gateway");

        var error = Assert.Single(errors);
        Assert.Contains("did you mean Gateway:Delivery:LocalDomains?", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gateway/MssGateway.Host/appsettings.json")]
    [InlineData("gateway/MssGateway.Host/appsettings.Development.json")]
    [InlineData("docker/gateway/appsettings.json")]
    public void The_shipped_gateway_configuration_files_hold_no_unknown_key(string file)
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(RepositoryPaths.Combine(file.Split('/'))).Build();
        Assert.Empty(GatewayProgram.AllKeys().FindUnknown(configuration, "Gateway"));
    }

    [Fact]
    public void The_shipped_directory_sync_configuration_holds_no_unknown_key()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(RepositoryPaths.Combine("docker", "directory-sync", "appsettings.json")).Build();
        var catalogue = new ConfigurationKeyCatalogue().Add(MssGateway.DirectorySync.Options.DirectorySyncOptions.SectionName, typeof(MssGateway.DirectorySync.Options.DirectorySyncOptions));
        Assert.NotEmpty(configuration.GetSection("DirectorySync").GetChildren());
        Assert.Empty(catalogue.FindUnknown(configuration, "DirectorySync"));
    }
}
