using System.Globalization;
using System.Net.Http;

namespace MssGateway.Host.Cli;

/// <summary>
/// <c>mssgw healthcheck [--ready|--live] [--url URL] [--timeout SECONDS]</c>: one HTTP GET of a
/// running gateway's <c>/readyz</c> (or <c>/healthz</c>), for container health checks. The image
/// has no shell nor curl (chiseled), so the gateway's own executable probes itself. Exit 0 on 200,
/// 1 on anything else; never reads configuration, so a broken configuration cannot hide behind it.
/// </summary>
public static class HealthCheckCommand
{
    public const int ExitHealthy = 0;
    public const int ExitUnhealthy = 1;
    public const int ExitUsage = 2;

    public const string DefaultUrl = "http://127.0.0.1:9090";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var path = "/readyz";
        var url = DefaultUrl;
        var timeout = TimeSpan.FromSeconds(5);
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--ready":
                    path = "/readyz";
                    break;
                case "--live":
                    path = "/healthz";
                    break;
                case "--url" when i + 1 < args.Count:
                    url = args[++i];
                    break;
                case "--timeout" when i + 1 < args.Count && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s is > 0 and <= 3600:
                    timeout = TimeSpan.FromSeconds(s);
                    i++;
                    break;
                default:
                    return await UsageAsync(output, $"unexpected argument '{args[i]}'");
            }
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            return await UsageAsync(output, $"--url '{url}' is not an http:// or https:// URL");
        }

        var target = baseUri.AbsolutePath is "" or "/" ? new Uri(baseUri, path) : baseUri;
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await http.GetAsync(target, HttpCompletionOption.ResponseContentRead, cts.Token);
            var code = (int)response.StatusCode;
            if (code == 200)
            {
                await output.WriteLineAsync($"{target}: 200 {response.ReasonPhrase}");
                return ExitHealthy;
            }

            var body = await response.Content.ReadAsStringAsync(cts.Token);
            await output.WriteLineAsync($"{target}: {code} {response.ReasonPhrase} {Shorten(body)}".TrimEnd());
            return ExitUnhealthy;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{target}: no answer within {timeout.TotalSeconds:0.#} s"));
            return ExitUnhealthy;
        }
        catch (HttpRequestException ex)
        {
            await output.WriteLineAsync($"{target}: unreachable ({ex.HttpRequestError}: {ex.Message})");
            return ExitUnhealthy;
        }
    }

    private static async Task<int> UsageAsync(TextWriter output, string problem)
    {
        await output.WriteLineAsync("mssgw healthcheck: " + problem);
        await output.WriteLineAsync(CliCommand.HealthCheck.Text());
        return ExitUsage;
    }

    private static string Shorten(string body)
    {
        var oneLine = body.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= 300 ? oneLine : oneLine[..300] + "...";
    }
}
