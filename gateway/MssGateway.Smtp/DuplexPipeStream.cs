using System.IO.Pipelines;

namespace MssGateway.Smtp;

/// <summary>
/// A Stream over the connection's transport pipes, so SslStream can run on top of them for STARTTLS
/// (DESIGN.md §6: pipe → stream adapter → SslStream → new pipes).
/// </summary>
internal sealed class DuplexPipeStream : Stream
{
    private readonly Stream _reader;
    private readonly Stream _writer;

    public DuplexPipeStream(PipeReader input, PipeWriter output)
    {
        _reader = input.AsStream(leaveOpen: true);
        _writer = output.AsStream(leaveOpen: true);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => _reader.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _reader.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _reader.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _writer.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _writer.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _writer.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => _writer.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _reader.Dispose();
            _writer.Dispose();
        }

        base.Dispose(disposing);
    }
}
