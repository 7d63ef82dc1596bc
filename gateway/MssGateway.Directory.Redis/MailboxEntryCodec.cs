using System.Text.Json;
using System.Text.Json.Serialization;

namespace MssGateway.Directory.Redis;

/// <summary>The JSON form of entries in Redis (camelCase, nulls omitted, kind as its enum name).</summary>
public static class MailboxEntryCodec
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Encode(MailboxEntry entry) => JsonSerializer.Serialize(entry, Options);

    public static MailboxEntry? Decode(string? json) => json is null ? null : JsonSerializer.Deserialize<MailboxEntry>(json, Options);

    public static string EncodeSubjects(IReadOnlyList<string> subjects) => JsonSerializer.Serialize(subjects, Options);

    public static string[] DecodeSubjects(string json) => JsonSerializer.Deserialize<string[]>(json, Options) ?? [];
}
