using System.Buffers;

namespace MssGateway.Delivery;

/// <summary>
/// Writes message content as SMTP/LMTP DATA (RFC 5321 §4.5.2): a '.' at the start of a line is
/// doubled, and the data ends with CRLF "." CRLF (a CRLF is added first when the content lacks one).
/// </summary>
internal static class DotStuffing
{
    /// <param name="block">Called before each block is written (a data-block timeout restarts there).</param>
    public static async Task CopyAsync(Stream content, Stream output, CancellationToken ct, Action? block = null)
    {
        var input = ArrayPool<byte>.Shared.Rent(65536);
        var outBuf = ArrayPool<byte>.Shared.Rent(65536 * 2 + 8);
        try
        {
            var atLineStart = true;
            byte last = (byte)'\n';
            var any = false;
            int n;
            while ((n = await content.ReadAsync(input.AsMemory(0, 65536), ct)) > 0)
            {
                var o = 0;
                for (var i = 0; i < n; i++)
                {
                    var b = input[i];
                    if (atLineStart && b == (byte)'.')
                    {
                        outBuf[o++] = (byte)'.';
                    }

                    outBuf[o++] = b;
                    atLineStart = b == (byte)'\n';
                }

                last = input[n - 1];
                any = true;
                block?.Invoke();
                await output.WriteAsync(outBuf.AsMemory(0, o), ct);
            }

            var end = !any || last == (byte)'\n' ? ".\r\n"u8.ToArray() : "\r\n.\r\n"u8.ToArray();
            await output.WriteAsync(end, ct);
            await output.FlushAsync(ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(outBuf);
        }
    }
}
