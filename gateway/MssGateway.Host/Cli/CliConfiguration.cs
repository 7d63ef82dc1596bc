namespace MssGateway.Host.Cli;

/// <summary>
/// The configuration a tool command (<c>mssgw queue</c>) reads, the way the server reads it, so the
/// tool finds the same spool and the same address-hash settings as the gateway it works beside:
/// <c>appsettings.json</c> next to the executable (plus <c>appsettings.Development.json</c> with
/// <c>--dev</c>), or <c>--config FILE</c> instead; then environment variables; then
/// <c>--Gateway:Key=value</c> arguments. The options it consumes are removed from the arguments.
/// </summary>
public sealed class CliConfiguration
{
    private CliConfiguration(IConfiguration configuration, IReadOnlyList<string> remaining)
    {
        Configuration = configuration;
        Remaining = remaining;
    }

    public IConfiguration Configuration { get; }

    /// <summary>The arguments left for the command once <c>--config</c>, <c>--dev</c>, <c>--spool</c> and <c>--Gateway:*</c> are taken out.</summary>
    public IReadOnlyList<string> Remaining { get; }

    public static CliConfiguration Load(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? file = null, spool = null;
        var dev = false;
        var overrides = new List<string>();
        var remaining = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a is "--config" or "--spool" && i + 1 < args.Count)
            {
                if (a == "--config")
                {
                    file = args[++i];
                }
                else
                {
                    spool = args[++i];
                }
            }
            else if (a == "--dev")
            {
                dev = true;
            }
            else if (a.StartsWith("--Gateway:", StringComparison.OrdinalIgnoreCase) && a.Contains('=', StringComparison.Ordinal))
            {
                overrides.Add(a);
            }
            else
            {
                remaining.Add(a);
            }
        }

        var builder = new ConfigurationBuilder().SetBasePath(AppContext.BaseDirectory);
        if (file is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(file), optional: false);
        }
        else
        {
            builder.AddJsonFile("appsettings.json", optional: true);
            var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT");
            if (dev || string.Equals(environment, Environments.Development, StringComparison.OrdinalIgnoreCase))
            {
                builder.AddJsonFile("appsettings.Development.json", optional: true);
            }
        }

        builder.AddEnvironmentVariables().AddCommandLine([.. overrides]);
        if (spool is not null)
        {
            builder.AddInMemoryCollection([new KeyValuePair<string, string?>("Gateway:Spool:Path", spool)]);
        }

        return new CliConfiguration(builder.Build(), remaining);
    }
}
