using System.Runtime.InteropServices;

namespace MssGateway.Spool;

/// <summary>
/// fsync of a directory, so that a rename into it survives a power loss (POSIX: the rename is only
/// durable once the directory's entry is on disk). .NET offers no managed call for this.
/// </summary>
internal static partial class DirectoryFsync
{
    private const int ORdOnly = 0;
    // O_DIRECTORY differs by architecture: 0x10000 on x86/x86_64, 0x4000 on arm/arm64 (where 0x10000 is
    // O_DIRECT, which a directory open must not carry).
    private static readonly int ODirectory = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // other systems: renames are journaled; this project targets Linux.
        }

        var fd = Open(directory, ORdOnly | ODirectory);
        if (fd < 0)
        {
            throw new IOException($"open({directory}) for fsync failed: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// syncfs(2) of the filesystem holding <paramref name="path"/>: every file's data and metadata
    /// written before the call is on stable storage when it returns (Linux reports writeback errors
    /// from syncfs since 5.8).
    /// </summary>
    public static void SyncFilesystem(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(path, ORdOnly | ODirectory);
        if (fd < 0)
        {
            throw new IOException($"open({path}) for syncfs failed: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (Syncfs(fd) != 0)
            {
                throw new IOException($"syncfs({path}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Whether two paths are on one filesystem (the same <c>st_dev</c>, hence the same superblock), so
    /// that a syncfs(2) of one covers files in the other. False when either cannot be stat'ed, and off
    /// Linux: the caller then flushes each on its own, which is always safe.
    /// </summary>
    public static unsafe bool SameFilesystem(string first, string second)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        // struct stat is 144 octets on x86_64 and 128 on arm64; st_dev (64 bits) comes first on both.
        var a = stackalloc ulong[32];
        var b = stackalloc ulong[32];
        return Stat(first, a) == 0 && Stat(second, b) == 0 && a[0] == b[0];
    }

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, ulong* buffer);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int Syncfs(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
