using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace MssGateway.Host.Logs;

/// <summary>
/// <c>Gateway:Logging:Format = Json</c>: one JSON object per event and line, the shape of .NET's
/// JSON console formatter (<c>Timestamp</c> UTC, <c>EventId</c>, <c>LogLevel</c>, <c>Category</c>,
/// <c>Message</c>, <c>Exception</c>, <c>State</c> with the event's fields, <c>Scopes</c>) plus
/// <c>Instance</c>, the pod or host that wrote it (<c>Gateway:InstanceName</c>, default
/// <c>HOSTNAME</c>), on every event: several replicas write to one log store, and an operator
/// following a session or a queue id must know which pod's spool holds it.
/// </summary>
public sealed class GatewayJsonConsoleFormatter : ConsoleFormatter
{
    public const string FormatterName = "mssgw-json";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    private readonly IOptionsMonitor<GatewayJsonConsoleFormatterOptions> _options;

    public GatewayJsonConsoleFormatter(IOptionsMonitor<GatewayJsonConsoleFormatterOptions> options)
        : base(FormatterName)
    {
        _options = options;
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (logEntry.Exception is null && message is null)
        {
            return;
        }

        var options = _options.CurrentValue;
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("Timestamp", options.Time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            w.WriteNumber("EventId", logEntry.EventId.Id);
            w.WriteString("LogLevel", Level(logEntry.LogLevel));
            w.WriteString("Category", logEntry.Category);
            w.WriteString("Instance", options.Instance);
            w.WriteString("Message", message);
            if (logEntry.Exception is { } ex)
            {
                w.WriteString("Exception", ex.ToString());
            }

            if (logEntry.State is { } state)
            {
                w.WriteStartObject("State");
                w.WriteString("Message", state.ToString());
                if (state is IReadOnlyCollection<KeyValuePair<string, object?>> fields)
                {
                    foreach (var field in fields)
                    {
                        WriteField(w, field);
                    }
                }

                w.WriteEndObject();
            }

            if (options.IncludeScopes && scopeProvider is not null)
            {
                w.WriteStartArray("Scopes");
                scopeProvider.ForEachScope(
                    static (scope, writer) =>
                    {
                        if (scope is IEnumerable<KeyValuePair<string, object?>> fields)
                        {
                            writer.WriteStartObject();
                            writer.WriteString("Message", scope.ToString());
                            foreach (var field in fields)
                            {
                                WriteField(writer, field);
                            }

                            writer.WriteEndObject();
                        }
                        else
                        {
                            writer.WriteStringValue(Convert.ToString(scope, CultureInfo.InvariantCulture));
                        }
                    },
                    w);
                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write(Environment.NewLine);
    }

    private static void WriteField(Utf8JsonWriter w, KeyValuePair<string, object?> field)
    {
        var name = field.Key;
        switch (field.Value)
        {
            case null:
                w.WriteNull(name);
                break;
            case bool b:
                w.WriteBoolean(name, b);
                break;
            case byte or sbyte or short or ushort or int or uint or long:
                w.WriteNumber(name, Convert.ToInt64(field.Value, CultureInfo.InvariantCulture));
                break;
            case ulong u:
                w.WriteNumber(name, u);
                break;
            case float or double or decimal:
                w.WriteNumber(name, Convert.ToDouble(field.Value, CultureInfo.InvariantCulture));
                break;
            default:
                w.WriteString(name, Convert.ToString(field.Value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "Trace",
        LogLevel.Debug => "Debug",
        LogLevel.Information => "Information",
        LogLevel.Warning => "Warning",
        LogLevel.Error => "Error",
        LogLevel.Critical => "Critical",
        _ => "None",
    };
}
