namespace MssGateway.Directory.Redis;

/// <summary>Field names of the <see cref="RedisDirectoryKeys.Current"/> and <see cref="RedisDirectoryKeys.DomainsCurrent"/> hashes.</summary>
public static class CurrentFields
{
    public const string Generation = "generation";
    public const string Buckets = "buckets";
    public const string Mailboxes = "mailboxes";
    public const string KindPrefix = "kind:";
    public const string SyncedAt = "syncedAt";
    public const string FullSyncAt = "fullSyncAt";
    public const string Serial = "serial";
    public const string Source = "source";
    public const string Watermark = "watermark";
    public const string Domains = "domains";
    public const string Subjects = "subjects";
    public const string ListDate = "listDate";
    public const string LoadedAt = "loadedAt";

    /// <summary>The kind label used in keys and metrics (PER, ORG, APP, CAB).</summary>
    public static string KindLabel(MailboxKind kind) => kind switch
    {
        MailboxKind.Personal => "PER",
        MailboxKind.Organisational => "ORG",
        MailboxKind.Applicative => "APP",
        MailboxKind.Practice => "CAB",
        _ => "PER",
    };

    /// <summary>Parses PER/ORG/APP/CAB (any case), or the enum names; null when unknown.</summary>
    public static MailboxKind? ParseKind(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "PER" or "PERSONAL" => MailboxKind.Personal,
        "ORG" or "ORGANISATIONAL" => MailboxKind.Organisational,
        "APP" or "APPLICATIVE" => MailboxKind.Applicative,
        "CAB" or "PRACTICE" => MailboxKind.Practice,
        _ => null,
    };

    public static readonly MailboxKind[] AllKinds = [MailboxKind.Personal, MailboxKind.Organisational, MailboxKind.Applicative, MailboxKind.Practice];
}
