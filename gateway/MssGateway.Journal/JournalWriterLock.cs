using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace MssGateway.Journal;

/// <summary>
/// The one-writer rule of a journal chain, by construction: whoever appends to an instance directory
/// holds an exclusive <c>flock(2)</c> on its <c>writer.lock</c> file for as long as it writes. A lock held
/// by the kernel on an open file description, so it goes with the process however the process ends
/// (SIGKILL and OOM kill included: the kernel closes the descriptor), and it is never left stale — unlike
/// a pid file. It is taken with our own <c>flock</c> call rather than through <see cref="FileShare.None"/>
/// (which the runtime also maps to <c>flock</c>) because the runtime's one can be switched off by
/// <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c>, cannot wait, and answers a second writer with a bare sharing
/// violation: a second writer must be told who holds the instance, never silently let in. The file holds who has it (pid, host, since), for the refusal message only; the lock is the
/// <c>flock</c>, not the content. Off Linux, <see cref="FileShare.None"/> is the lock.
/// </summary>
public sealed partial class JournalWriterLock : IDisposable
{
    public const string FileName = "writer.lock";

    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int WouldBlock = 11; // EWOULDBLOCK = EAGAIN on Linux
    private const int OpenReadWrite = 2; // O_RDWR
    private const int OpenCreate = 0x40; // O_CREAT (Linux, x86_64 and arm64)
    private const int OpenCloseOnExec = 0x80000; // O_CLOEXEC: a child process never inherits the lock

    private readonly SafeFileHandle _handle;

    private JournalWriterLock(SafeFileHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Takes the lock of <paramref name="instanceDirectory"/> at once, or returns null when another writer holds it (<paramref name="holder"/>: who, as its lock file says).</summary>
    public static JournalWriterLock? TryAcquire(string instanceDirectory, out string holder)
    {
        System.IO.Directory.CreateDirectory(instanceDirectory);
        var path = System.IO.Path.Combine(instanceDirectory, FileName);
        holder = string.Empty;
        SafeFileHandle handle;
        if (OperatingSystem.IsLinux())
        {
            // open(2) and flock(2) ourselves: the runtime's FileStream would take its own LOCK_SH on the file
            // first (and throw a sharing violation at the second writer instead of letting us say who holds it).
            var fd = OpenFile(path, OpenReadWrite | OpenCreate | OpenCloseOnExec, 0x1a0 /* 0640 */);
            if (fd < 0)
            {
                throw new IOException($"cannot open '{path}' (errno {Marshal.GetLastPInvokeError()}): the journal directory must be writable by this user");
            }

            handle = new SafeFileHandle(fd, ownsHandle: true);
            if (Flock(fd, LockExclusive | LockNonBlocking) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != WouldBlock)
                {
                    handle.Dispose();
                    throw new IOException($"cannot lock '{path}' (flock errno {errno})");
                }

                holder = ReadHolder(handle);
                handle.Dispose();
                return null;
            }
        }
        else
        {
            try
            {
                handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists(path))
            {
                holder = "another process";
                return null;
            }
        }

        // Ours now: say who holds it (pid, host, since), for the message a second writer gets.
        var who = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId} on host {Environment.MachineName} since {DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n"));
        RandomAccess.SetLength(handle, 0);
        RandomAccess.Write(handle, who, 0);
        return new JournalWriterLock(handle, path);
    }

    /// <summary>
    /// Takes the lock, waiting up to <paramref name="wait"/> for the writer holding it to finish (a second
    /// <c>mssgw queue</c> run beside a first); <see cref="JournalInUseException"/> after that.
    /// </summary>
    public static async Task<JournalWriterLock> AcquireAsync(string instanceDirectory, string instance, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        var deadline = time.GetUtcNow() + wait;
        var pause = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            if (TryAcquire(instanceDirectory, out var holder) is { } acquired)
            {
                return acquired;
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new JournalInUseException(instance, instanceDirectory, holder, wait);
            }

            await Task.Delay(pause, time, cancellationToken);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 250));
        }
    }

    public void Dispose() => _handle.Dispose(); // closing the descriptor releases the flock

    private static string ReadHolder(SafeFileHandle handle)
    {
        var buffer = new byte[256];
        try
        {
            var n = RandomAccess.Read(handle, buffer, 0);
            var text = Encoding.UTF8.GetString(buffer, 0, n).Split('\n')[0].Trim();
            return text.Length > 0 ? text : "a process that has not written its name yet";
        }
        catch (IOException)
        {
            return "another process";
        }
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags, int mode);
}
