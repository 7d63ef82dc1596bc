using System.Net;

namespace MssGateway.DirectorySync;

/// <summary>
/// <c>mssgw-directory-sync healthcheck [--live|--ready] [--url URL]</c>, for Docker HEALTHCHECK and
/// compose <c>condition: service_healthy</c> (the image has no curl): exit 0 when the service-mode
/// endpoint answers 200 — /readyz (a sync succeeded and the last one did not fail) by default,
/// /healthz with --live — else 1. No configuration needed; the URL defaults to the default
/// DirectorySync:Http port on loopback, http://127.0.0.1:9091. Same contract as <c>mssgw healthcheck</c>.
/// </summary>
public static class HealthcheckCommand
{
    public const string DefaultUrl = "http://127.0.0.1:9091";

    public const string Usage = """
        mssgw-directory-sync healthcheck [--live|--ready] [--url URL]

          Exit 0 when URL/readyz (default) or URL/healthz (--live) answers 200, else 1.
          URL defaults to http://127.0.0.1:9091 (service mode, DirectorySync:Http).
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var path = "/readyz";
        var url = DefaultUrl;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--live":
                    path = "/healthz";
                    break;
                case "--ready":
                    path = "/readyz";
                    break;
                case "--url" when i + 1 < args.Count:
                    url = args[++i];
                    break;
                case "--help" or "-h":
                    await output.WriteLineAsync(Usage).ConfigureAwait(false);
                    return 0;
                default:
                    await error.WriteLineAsync($"mssgw-directory-sync healthcheck: unknown argument '{args[i]}'.\n{Usage}").ConfigureAwait(false);
                    return 2;
            }
        }

        if (!Uri.TryCreate(url.TrimEnd('/') + path, UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"mssgw-directory-sync healthcheck: --url '{url}' is not an http(s) URL.").ConfigureAwait(false);
            return 2;
        }

        using var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.Timeout = TimeSpan.FromSeconds(5);
        try
        {
            using var response = await client.GetAsync(target).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return 0;
            }

            var body = (await response.Content.ReadAsStringAsync().ConfigureAwait(false)).Trim();
            await error.WriteLineAsync($"mssgw-directory-sync healthcheck: {target} answered {(int)response.StatusCode} {body}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"mssgw-directory-sync healthcheck: {target} unreachable ({ex.Message})").ConfigureAwait(false);
            return 1;
        }
    }
}
