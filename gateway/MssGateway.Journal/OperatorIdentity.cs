using System.Runtime.InteropServices;

namespace MssGateway.Journal;

/// <summary>
/// Who runs an operator command, as the operating system knows it (SC.MSS/CONF.17: the author of an
/// action): the real uid (<c>getuid(2)</c>: what sudo or a setuid cannot hide), the user name, the
/// <c>SUDO_USER</c> that sudo sets (the person behind a root shell; set by anyone, so a hint, the uid is
/// the fact), and the host (in a pod: the pod name). Who ran <c>kubectl exec</c> is in the cluster's audit
/// log, not here: inside the container every operator is the container's user.
/// </summary>
public sealed partial record OperatorIdentity(long? Uid, string User, string? SudoUser, string Host)
{
    public static OperatorIdentity Current() => new(
        OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? GetUid() : null,
        Environment.UserName,
        Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudo ? sudo : null,
        Environment.MachineName);

    /// <summary>Puts the identity on an operator record.</summary>
    public JournalRecord On(JournalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.OperatorUid = Uid;
        record.OperatorUser = User;
        record.SudoUser = SudoUser;
        record.Host = Host;
        return record;
    }

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();
}
