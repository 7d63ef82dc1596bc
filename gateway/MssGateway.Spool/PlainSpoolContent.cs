using Microsoft.Win32.SafeHandles;

namespace MssGateway.Spool;

/// <summary>A spool file written in clear (before encryption, or with it off): positional reads of the file.</summary>
internal sealed class PlainSpoolContent : ISpoolContent
{
    private readonly SafeFileHandle _file;

    public PlainSpoolContent(string path)
    {
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.RandomAccess);
        Length = RandomAccess.GetLength(_file);
    }

    public long Length { get; }

    public int Read(long offset, Span<byte> buffer) => RandomAccess.Read(_file, buffer, offset);

    public void Dispose() => _file.Dispose();
}
