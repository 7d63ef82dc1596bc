using System.Collections.Concurrent;
using System.Net;

namespace MssGateway.Trust.Tests;

/// <summary>A real HTTP server on loopback (HttpListener) serving the files of one folder, counting requests.</summary>
public sealed class StaticFileServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _root;
    private readonly Task _loop;

    public StaticFileServer(string root, int port)
    {
        _root = root;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

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
            var file = Path.Combine(_root, Path.GetFileName(path));
            if (File.Exists(file))
            {
                var bytes = await File.ReadAllBytesAsync(file);
                ctx.Response.ContentType = "application/pkix-crl";
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
