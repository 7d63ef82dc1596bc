using System.Globalization;

namespace MssGateway.Host.Dev;

/// <summary>
/// A maildir (tmp/, new/, cur/ — the layout Postfix's virtual(8) and every mail reader know): a
/// message is written in <c>tmp/</c>, flushed, then renamed into <c>new/</c>, so a reader never sees
/// half a message. File names are unique per process: time, process id, a counter and the host.
/// </summary>
public sealed class Maildir
{
    private static long s_counter;

    public Maildir(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Root = System.IO.Path.GetFullPath(path);
        foreach (var sub in new[] { "tmp", "new", "cur" })
        {
            System.IO.Directory.CreateDirectory(System.IO.Path.Combine(Root, sub));
        }
    }

    public string Root { get; }

    public string NewDirectory => System.IO.Path.Combine(Root, "new");

    /// <summary>A fresh file in <c>tmp/</c> to write a message into.</summary>
    public string NewTempPath(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        var n = Interlocked.Increment(ref s_counter);
        var name = string.Create(CultureInfo.InvariantCulture, $"{now.ToUnixTimeSeconds()}.M{now.Millisecond * 1000:D6}P{Environment.ProcessId}Q{n}.{Environment.MachineName.Replace('/', '_').Replace(':', '_')}");
        return System.IO.Path.Combine(Root, "tmp", name);
    }

    /// <summary>Writes <paramref name="headers"/> then the content of <paramref name="contentFile"/> as a new message; returns its path in <c>new/</c>.</summary>
    public async Task<string> DeliverAsync(string headers, string contentFile, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var tmp = NewTempPath(time);
        await using (var target = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
        {
            await target.WriteAsync(System.Text.Encoding.UTF8.GetBytes(headers), cancellationToken);
            await using (var source = new FileStream(contentFile, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true))
            {
                await source.CopyToAsync(target, cancellationToken);
            }

            await target.FlushAsync(cancellationToken);
            target.Flush(flushToDisk: true);
        }

        var delivered = System.IO.Path.Combine(NewDirectory, System.IO.Path.GetFileName(tmp));
        File.Move(tmp, delivered);
        return delivered;
    }
}
