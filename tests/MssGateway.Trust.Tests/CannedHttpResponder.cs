using System.Net;

namespace MssGateway.Trust.Tests;

/// <summary>
/// An HTTP server on loopback (HttpListener) that answers every request with the same bytes: an OCSP
/// response recorded earlier (<c>openssl ocsp -respout</c>), replayed as an attacker on the path would.
/// </summary>
public sealed class CannedHttpResponder : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _body;
    private readonly string _contentType;
    private readonly Task _loop;

    public CannedHttpResponder(int port, byte[] body, string contentType = "application/ocsp-response")
    {
        _body = body;
        _contentType = contentType;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Requests { get; private set; }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
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

            Requests++;
            ctx.Response.ContentType = _contentType;
            ctx.Response.ContentLength64 = _body.Length;
            await ctx.Response.OutputStream.WriteAsync(_body);
            ctx.Response.Close();
        }
    }
}
