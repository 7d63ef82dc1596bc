using System.Runtime.InteropServices;

namespace MssGateway.Spool;

/// <summary>
/// The delivery path's file calls, one system call each (issue 13, CPU per message): .NET's
/// <c>File.Move(…, overwrite: false)</c> is an <c>lstat</c> of the target then a <c>rename</c> (not atomic
/// either: a file created in between would be overwritten), and deleting a file that may be gone
/// was a <c>stat</c> then an <c>unlink</c>. Here a claim is <c>renameat2(RENAME_NOREPLACE)</c> and a delete is
/// <c>unlink</c>, both answering "not there" by their errno. Off Linux, or on a filesystem without
/// <c>RENAME_NOREPLACE</c>, the managed calls are used as before.
/// Reading a message: .NET's <c>File.OpenHandle</c> is an <c>open</c>, an <c>fstat</c> (is it a directory?) and
/// an advisory <c>flock(LOCK_SH)</c> that emulates <c>FileShare</c> (nothing in the spool takes the exclusive
/// lock it would stand against), and the stamp of the file was two more <c>fstat</c>s; here it is one
/// <c>open(O_NOFOLLOW | O_NONBLOCK)</c> and one <c>statx</c> (<see cref="OpenRead"/>), which also refuse what is not
/// a regular file — a symbolic link planted under a queue id is never followed, a FIFO never blocks a classifier.
/// </summary>
internal static partial class SpoolFileCalls
{
    private const int AtFdCwd = -100;
    private const uint RenameNoReplace = 1;
    private const int ENoEnt = 2;
    private const int EExist = 17;
    private const int ENotDir = 20;
    private const int EInval = 22;
    private const int ENoSys = 38;

    private const int EPerm = 1;
    private const int EAcces = 13;
    private const int ELoop = 40;
    private const int ENxio = 6;
    private const int ORdOnly = 0;
    private const int ORdWr = 2;
    private const int ONonBlock = 0x800;
    private const int ONoFollow = 0x20000;
    private const int OCloExec = 0x80000;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1, StatxMtime = 0x40, StatxIno = 0x100, StatxSize = 0x200;
    private const ushort SIfMt = 0xF000, SIfReg = 0x8000;

    private static volatile bool s_noRenameat2 = !OperatingSystem.IsLinux();
    private static volatile bool s_noStatx = !OperatingSystem.IsLinux();

    /// <summary>Renames <paramref name="from"/> to <paramref name="to"/> unless <paramref name="to"/> exists; false when <paramref name="from"/> is not there.</summary>
    public static bool TryRename(string from, string to)
    {
        if (!s_noRenameat2)
        {
            int result;
            try
            {
                result = Renameat2(AtFdCwd, from, AtFdCwd, to, RenameNoReplace);
            }
            catch (EntryPointNotFoundException)
            {
                result = -1; // a C library older than glibc 2.28
                Marshal.SetLastPInvokeError(ENoSys);
            }

            if (result == 0)
            {
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case ENoEnt or ENotDir:
                    return false;
                case EExist:
                    throw new IOException($"rename({from}, {to}): the target exists");
                case EInval or ENoSys:
                    s_noRenameat2 = true; // the filesystem (or kernel) has no RENAME_NOREPLACE: the managed move from now on
                    break;
                default:
                    throw new IOException($"rename({from}, {to}) failed: errno {errno}");
            }
        }

        try
        {
            File.Move(from, to, overwrite: false);
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Removes a file; false when it was not there.</summary>
    public static bool TryUnlink(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }

        if (Unlink(path) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is ENoEnt or ENotDir ? false : throw new IOException($"unlink({path}) failed: errno {errno}");
    }

    /// <summary>
    /// Opens a spool file for reading, with its stamp (inode, length, modification time). Throws
    /// <see cref="FileNotFoundException"/> / <see cref="DirectoryNotFoundException"/> when it is not there,
    /// <see cref="InvalidDataException"/> when the name is a symbolic link or not a regular file.
    /// </summary>
    public static (Microsoft.Win32.SafeHandles.SafeFileHandle Handle, SpoolFileStamp Stamp) OpenRead(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            var managed = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.RandomAccess);
            return (managed, Stamp(managed));
        }

        return OpenRegular(path, ORdOnly, "Spool file");
    }

    /// <summary>
    /// One <c>open(flags | O_NOFOLLOW | O_NONBLOCK)</c> and one <c>statx</c>: the file must be a regular file
    /// reached without following a link (else <see cref="InvalidDataException"/>, naming it as <paramref name="what"/>).
    /// </summary>
    private static (Microsoft.Win32.SafeHandles.SafeFileHandle Handle, SpoolFileStamp Stamp) OpenRegular(string path, int flags, string what)
    {
        var fd = Open(path, flags | ONonBlock | ONoFollow | OCloExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                ENoEnt => new FileNotFoundException($"open({path}): no such file", path),
                ENotDir => new DirectoryNotFoundException($"open({path}): a directory of the path is missing"),
                ELoop => new InvalidDataException($"{what} {path} is a symbolic link: never followed"),
                ENxio => new InvalidDataException($"{what} {path} is not a regular file"),
                EAcces or EPerm => new UnauthorizedAccessException($"open({path}): permission denied (errno {errno})"),
                _ => new IOException($"open({path}) failed: errno {errno}"),
            };
        }

        var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var stamp = Stamp(handle, out var regular);
            if (!regular)
            {
                throw new InvalidDataException($"{what} {path} is not a regular file");
            }

            return (handle, stamp);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a recycled file for writing over (<see cref="MessageSpool.OpenRecycled"/>): <c>open(O_RDWR |
    /// O_NOFOLLOW)</c> and one <c>statx</c>, so a symbolic link or anything but a regular file planted under a
    /// recycled name is never written through (<see cref="InvalidDataException"/>). No advisory lock:
    /// nothing else opens a file of <c>recycled/</c>.
    /// </summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenForOverwrite(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (new FileInfo(path).LinkTarget is not null)
            {
                throw new InvalidDataException($"Recycled file {path} is a symbolic link: never followed");
            }

            return File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        }

        return OpenRegular(path, ORdWr, "Recycled file").Handle;
    }

    /// <summary>The stamp of an open file: one <c>statx</c> (inode, length, modification time to the nanosecond).</summary>
    public static SpoolFileStamp Stamp(Microsoft.Win32.SafeHandles.SafeFileHandle handle) => Stamp(handle, out _);

    private static unsafe SpoolFileStamp Stamp(Microsoft.Win32.SafeHandles.SafeFileHandle handle, out bool regular)
    {
        if (!s_noStatx)
        {
            var buffer = stackalloc byte[256];
            int result;
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                result = Statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxType | StatxMtime | StatxIno | StatxSize, buffer);
            }
            catch (EntryPointNotFoundException)
            {
                result = -1; // a C library older than glibc 2.28
                Marshal.SetLastPInvokeError(ENoSys);
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }

            if (result == 0)
            {
                // struct statx: stx_mode u16 at 28, stx_ino u64 at 32, stx_size u64 at 40, stx_mtime {i64 sec, u32 nsec} at 112.
                var mode = *(ushort*)(buffer + 28);
                regular = (mode & SIfMt) == SIfReg;
                var seconds = *(long*)(buffer + 112);
                var nanoseconds = *(uint*)(buffer + 120);
                return new SpoolFileStamp(*(long*)(buffer + 40), (seconds * TimeSpan.TicksPerSecond) + (nanoseconds / 100), *(ulong*)(buffer + 32));
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (ENoSys or EInval))
            {
                throw new IOException($"statx failed: errno {errno}");
            }

            s_noStatx = true; // an old kernel: the managed calls from now on (no inode in the stamp)
        }

        regular = true; // the managed open already refused a directory
        return new SpoolFileStamp(RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle).Ticks, 0);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Renameat2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Unlink(string path);
}
