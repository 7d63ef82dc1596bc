using System.Runtime.InteropServices;

namespace MssGateway.Spool;

/// <summary>
/// The delivery path's file calls, one system call each (issue 13, CPU per message): .NET's
/// <c>File.Move(…, overwrite: false)</c> is an <c>lstat</c> of the target then a <c>rename</c> (not atomic
/// either: a file created in between would be overwritten), and deleting a file that may be gone
/// was a <c>stat</c> then an <c>unlink</c>. Here a claim is <c>renameat2(RENAME_NOREPLACE)</c> and a delete is
/// <c>unlink</c>, both answering "not there" by their errno. Off Linux, or on a filesystem without
/// <c>RENAME_NOREPLACE</c>, the managed calls are used as before.
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

    private static volatile bool s_noRenameat2 = !OperatingSystem.IsLinux();

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

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Renameat2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Unlink(string path);
}
