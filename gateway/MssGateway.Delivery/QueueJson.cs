using System.Text;
using System.Text.Json;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// <c>mssgw queue list --json</c>: one JSON object per message and line, shaped like Postfix's
/// <c>postqueue -j</c> (same names for the fields both have: <c>queue_name</c>, <c>queue_id</c>,
/// <c>arrival_time</c> in Unix seconds, <c>message_size</c>, <c>sender</c>, <c>recipients</c> with
/// <c>address</c> and <c>delay_reason</c>) plus the gateway's delivery state. Never the body.
/// </summary>
public static class QueueJson
{
    private static readonly JsonWriterOptions Options = new() { Indented = false };

    /// <param name="entry">The message.</param>
    /// <param name="address">Renders an address (as held, or hashed when configured).</param>
    /// <param name="text">Renders free text that may quote addresses (a next hop's reply).</param>
    public static string Line(QueueEntry entry, Func<string, string> address, Func<string, string> text)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(text);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            var e = entry.Envelope;
            var s = entry.Delivery;
            w.WriteStartObject();
            w.WriteString("queue_name", entry.State.ToString().ToLowerInvariant());
            w.WriteString("queue_id", entry.QueueId);
            w.WriteNumber("arrival_time", e.ReceivedAt.ToUnixTimeSeconds());
            w.WriteNumber("message_size", entry.Size);
            w.WriteString("sender", e.Sender.Length == 0 ? string.Empty : address(e.Sender)); // postqueue -j: "" for the null sender
            w.WriteBoolean("held", entry.State == SpoolState.Hold || s?.Held == true);
            w.WriteNumber("attempts", s?.Attempts ?? 0);
            WriteTime(w, "last_attempt_time", s?.LastAttemptAt);
            WriteTime(w, "next_attempt_time", s?.NextAttemptAt);
            w.WriteStartArray("recipients");
            foreach (var r in e.Recipients.DistinctBy(r => r.Address, StringComparer.Ordinal))
            {
                var rs = entry.RecipientState(r.Address);
                w.WriteStartObject();
                w.WriteString("address", address(r.Address));
                w.WriteString("status", (rs?.Status ?? RecipientStatus.Pending).ToString().ToLowerInvariant());
                if (rs?.LastReply is { } reply)
                {
                    w.WriteString("delay_reason", text(reply));
                }

                if (rs?.LastHop is { } hop)
                {
                    w.WriteString("next_hop", hop);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            w.WriteNumber(name, t.ToUnixTimeSeconds());
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
