using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Smtp;

/// <summary>
/// An established TLS session over a connection's transport: the SslStream and the pipes the SMTP
/// session reads and writes through it, and what the client presented. Ends with a close_notify
/// when the session ends on purpose (RFC 8446 §6.1), and releases everything once.
/// </summary>
internal sealed class SmtpTlsConnection : IDuplexPipe, IAsyncDisposable
{
    private static readonly TimeSpan CloseNotifyTimeout = TimeSpan.FromSeconds(2);
    private bool _disposed;

    public SmtpTlsConnection(SslStream stream, X509Certificate2? clientCertificate, X509Certificate2Collection sentChain)
    {
        Stream = stream;
        ClientCertificate = clientCertificate;
        SentChain = sentChain;
        // Zero-byte reads: an idle session holds no read buffer (SslStream allocates only once a record arrives).
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public SslStream Stream { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public X509Certificate2? ClientCertificate { get; }

    /// <summary>Certificates the client sent besides its own (intermediates), possibly empty.</summary>
    public X509Certificate2Collection SentChain { get; }

    /// <summary>Records the TLS state in the session's info (for the hooks, the Received header and the logs).</summary>
    public void Describe(SmtpSessionInfo info)
    {
        info.IsTls = true;
        info.TlsProtocol = Stream.SslProtocol;
        info.TlsCipherSuite = Stream.NegotiatedCipherSuite;
        info.ClientCertificate = ClientCertificate;
        info.ClientCertificateChain.Clear();
        foreach (var c in SentChain)
        {
            info.ClientCertificateChain.Add(c);
        }
    }

    /// <summary>Sends close_notify (when <paramref name="graceful"/>), then releases the stream and pipes.</summary>
    public async ValueTask CloseAsync(bool graceful, TimeProvider time)
    {
        if (_disposed)
        {
            return;
        }

        if (graceful)
        {
            try
            {
                await Output.FlushAsync();
                using var cts = new CancellationTokenSource(CloseNotifyTimeout, time);
                await Stream.ShutdownAsync().WaitAsync(cts.Token);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or AuthenticationException)
            {
                // close_notify is a courtesy; the peer may be gone.
            }
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        await Stream.DisposeAsync();
    }
}
