using System.Collections.Concurrent;
using System.Net;

namespace MssGateway.Trust.Tests;

/// <summary>
/// A real HTTP server on loopback (HttpListener) serving the files of one folder, counting requests;
/// or (<see cref="Canned"/>) answering every request with the same bytes — an OCSP response recorded
/// earlier (`openssl ocsp -respout`), replayed as an attacker on the path would.
/// </summary>
public sealed class StaticFileServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string? _root;
    private readonly byte[]? _body;
    private readonly string _contentType;
    private readonly Task _loop;

    public StaticFileServer(string root, int port)
        : this(root, null, "application/pkix-crl", port)
    {
    }

    private StaticFileServer(string? root, byte[]? body, string contentType, int port)
    {
        _root = root;
        _body = body;
        _contentType = contentType;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>A server that answers every request with <paramref name="body"/>.</summary>
    public static StaticFileServer Canned(int port, byte[] body, string contentType = "application/ocsp-response") => new(null, body, contentType, port);

    public ConcurrentDictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var path = ctx.Request.Url!.AbsolutePath.TrimStart('/');
            Requests.AddOrUpdate(path, 1, (_, n) => n + 1);
            var file = _root is null ? null : Path.Combine(_root, Path.GetFileName(path));
            if (_body is not null || File.Exists(file))
            {
                var bytes = _body ?? await File.ReadAllBytesAsync(file!);
                ctx.Response.ContentType = _contentType;
                ctx.Response.ContentLength64 = bytes.Length;
                await ctx.Response.OutputStream.WriteAsync(bytes);
            }
            else
            {
                ctx.Response.StatusCode = 404;
            }

            ctx.Response.Close();
        }
    }
}
