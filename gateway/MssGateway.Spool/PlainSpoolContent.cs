using Microsoft.Win32.SafeHandles;

namespace MssGateway.Spool;

/// <summary>A spool file written in clear (before encryption, or with it off): positional reads of the file.</summary>
internal sealed class PlainSpoolContent : ISpoolContent
{
    private readonly SafeFileHandle _file;
    private readonly bool _ownsHandle;

    /// <summary>
    /// Opens the file at <paramref name="path"/> as every spool read does (<see cref="SpoolFileCalls.OpenRead"/>:
    /// a regular file, no symbolic link followed, one <c>open</c> and one <c>statx</c>); disposing closes it.
    /// </summary>
    public PlainSpoolContent(string path)
        : this(SpoolFileCalls.OpenRead(path))
    {
    }

    private PlainSpoolContent((SafeFileHandle Handle, SpoolFileStamp Stamp) opened)
        : this(opened.Handle, opened.Stamp.Length, ownsHandle: true)
    {
    }

    /// <summary>Reads an open file; with <paramref name="ownsHandle"/> disposing this closes it.</summary>
    public PlainSpoolContent(SafeFileHandle file, bool ownsHandle)
        : this(file, RandomAccess.GetLength(file), ownsHandle)
    {
    }

    /// <summary>A view of a file that stays open (a reopened message's handle), its length already known: no syscall to make it.</summary>
    public PlainSpoolContent(SafeFileHandle file, long length)
        : this(file, length, ownsHandle: false)
    {
    }

    private PlainSpoolContent(SafeFileHandle file, long length, bool ownsHandle)
    {
        _file = file;
        _ownsHandle = ownsHandle;
        Length = length;
    }

    public long Length { get; }

    public int Read(long offset, Span<byte> buffer) => RandomAccess.Read(_file, buffer, offset);

    public void Dispose()
    {
        if (_ownsHandle)
        {
            _file.Dispose();
        }
    }
}
