using Microsoft.Win32.SafeHandles;

namespace MssGateway.Spool;

/// <summary>
/// What identifies the version of a spool file that was read: its inode, length and modification time
/// (one <c>statx</c> on the open handle). A message file is never rewritten in place — the queue CLI only
/// renames it and rewrites its state file, a deferral only sets its time — so a stamp that still matches
/// means the envelope read then (or written then, by the accept path) is the envelope now; anything else
/// (a file replaced under the same name — a new inode even with the same length and time —, restored
/// from a backup, deferred meanwhile) changes the stamp and the envelope is read again. The inode is 0
/// where <c>statx</c> is missing (then both sides of a comparison lack it).
/// </summary>
internal readonly record struct SpoolFileStamp(long Length, long LastWriteTicks, ulong Inode)
{
    public static SpoolFileStamp Of(SafeFileHandle handle) => SpoolFileCalls.Stamp(handle);
}
