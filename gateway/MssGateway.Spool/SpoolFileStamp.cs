using Microsoft.Win32.SafeHandles;

namespace MssGateway.Spool;

/// <summary>
/// What identifies the version of a spool file that was read: its length and modification time (from
/// fstat on the open handle). A message file is never rewritten in place — the queue CLI only renames it
/// and rewrites its state file, a deferral only sets its time — so a stamp that still matches means the
/// envelope read then is the envelope now; anything else (a file replaced under the same name, restored
/// from a backup, deferred meanwhile) changes the stamp and the envelope is read again.
/// </summary>
internal readonly record struct SpoolFileStamp(long Length, long LastWriteTicks)
{
    public static SpoolFileStamp Of(SafeFileHandle handle) =>
        new(RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle).Ticks);
}
