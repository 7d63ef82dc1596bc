using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MssGateway.Directory;

/// <summary>
/// A directory read from one JSON file (dev mode and single-host use). The file is re-read when its
/// modification time changes; a file that fails to parse keeps the last good content and reports the
/// error in <see cref="GetStatusAsync"/>. Format: docs/directory.md "File-backed directory".
/// </summary>
public sealed class FileMailboxDirectory : IMailboxDirectory
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _reloadLock = new();
    private Snapshot _snapshot;
    private long _lastCheckTicks;

    public FileMailboxDirectory(string path, TimeProvider? time = null)
    {
        _path = Path.GetFullPath(path);
        _time = time ?? TimeProvider.System;
        if (!File.Exists(_path))
        {
            throw new FileNotFoundException($"Directory file '{_path}' does not exist.", _path);
        }

        _snapshot = Load(_path, _time); // a broken file at start-up is a configuration error: let it throw
    }

    public ValueTask<MailboxEntry?> FindByAddressAsync(string address, CancellationToken cancellationToken)
    {
        var s = Current();
        return ValueTask.FromResult(s.ByAddress.GetValueOrDefault(AddressKey.Normalise(address)));
    }

    public ValueTask<IReadOnlyList<MailboxEntry>> FindByNationalIdentifierAsync(string nationalIdentifier, CancellationToken cancellationToken)
    {
        var s = Current();
        IReadOnlyList<MailboxEntry> found = s.ByNationalIdentifier.TryGetValue(nationalIdentifier.Trim(), out var list) ? list : [];
        return ValueTask.FromResult(found);
    }

    public ValueTask<AuthorisedDomain?> FindAuthorisedDomainAsync(string domain, CancellationToken cancellationToken)
    {
        var s = Current();
        return ValueTask.FromResult(s.Domains.GetValueOrDefault(AddressKey.NormaliseDomain(domain)));
    }

    public ValueTask<IReadOnlyCollection<string>> GetOperatorCertificateSubjectsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyCollection<string>>(Current().OperatorSubjects);

    public ValueTask<DirectoryStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var s = Current();
        return ValueTask.FromResult(new DirectoryStatus
        {
            Reachable = s.Error is null,
            LastSuccessfulSync = s.LoadedAt,
            Generation = s.Stamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            MailboxCount = s.ByAddress.Count,
            Error = s.Error,
        });
    }

    private Snapshot Current()
    {
        // Check the file's time at most once a second: lookups stay O(1) and allocation-free.
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastCheckTicks);
        if (_time.GetElapsedTime(last, now) < TimeSpan.FromSeconds(1))
        {
            return Volatile.Read(ref _snapshot);
        }

        lock (_reloadLock)
        {
            Interlocked.Exchange(ref _lastCheckTicks, now);
            var current = _snapshot;
            DateTime stamp;
            try
            {
                stamp = File.GetLastWriteTimeUtc(_path);
            }
            catch (IOException ex)
            {
                return Volatile.Read(ref _snapshot) with { Error = ex.Message };
            }

            if (stamp == current.Stamp)
            {
                return current;
            }

            try
            {
                Volatile.Write(ref _snapshot, Load(_path, _time));
            }
            catch (Exception ex) when (ex is IOException or JsonException or InvalidDataException)
            {
                Volatile.Write(ref _snapshot, current with { Stamp = stamp, Error = $"Directory file '{_path}' could not be read: {ex.Message}" });
            }

            return _snapshot;
        }
    }

    private static Snapshot Load(string path, TimeProvider time)
    {
        var stamp = File.GetLastWriteTimeUtc(path);
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize<DirectoryFile>(stream, JsonOptions)
            ?? throw new InvalidDataException($"Directory file '{path}' is empty.");

        var byAddress = new Dictionary<string, MailboxEntry>(StringComparer.Ordinal);
        var byId = new Dictionary<string, List<MailboxEntry>>(StringComparer.Ordinal);
        foreach (var m in file.Mailboxes ?? [])
        {
            if (string.IsNullOrWhiteSpace(m.Address))
            {
                throw new InvalidDataException($"Directory file '{path}': a mailbox has no address.");
            }

            var entry = m with { Address = AddressKey.Normalise(m.Address), OperatorDomain = m.OperatorDomain ?? AddressKey.DomainOf(m.Address) };
            byAddress[entry.Address] = entry;
            if (!string.IsNullOrWhiteSpace(entry.NationalIdentifier))
            {
                if (!byId.TryGetValue(entry.NationalIdentifier, out var list))
                {
                    byId[entry.NationalIdentifier] = list = [];
                }

                list.Add(entry);
            }
        }

        var domains = new Dictionary<string, AuthorisedDomain>(StringComparer.Ordinal);
        foreach (var d in file.AuthorisedDomains ?? [])
        {
            var name = AddressKey.NormaliseDomain(d.Domain);
            var subjects = domains.TryGetValue(name, out var existing) ? existing.OperatorCertificateSubjects.Concat(d.OperatorCertificateSubjects) : d.OperatorCertificateSubjects;
            domains[name] = new AuthorisedDomain { Domain = name, OperatorCertificateSubjects = subjects.Distinct(StringComparer.Ordinal).ToArray() };
        }

        return new Snapshot(
            byAddress.ToFrozenDictionary(StringComparer.Ordinal),
            byId.ToFrozenDictionary(kv => kv.Key, kv => (IReadOnlyList<MailboxEntry>)kv.Value.ToArray(), StringComparer.Ordinal),
            domains.ToFrozenDictionary(StringComparer.Ordinal),
            domains.Values.SelectMany(d => d.OperatorCertificateSubjects).ToFrozenSet(StringComparer.Ordinal),
            stamp,
            time.GetUtcNow(),
            null);
    }

    private sealed record Snapshot(
        FrozenDictionary<string, MailboxEntry> ByAddress,
        FrozenDictionary<string, IReadOnlyList<MailboxEntry>> ByNationalIdentifier,
        FrozenDictionary<string, AuthorisedDomain> Domains,
        FrozenSet<string> OperatorSubjects,
        DateTime Stamp,
        DateTimeOffset LoadedAt,
        string? Error);

    private sealed class DirectoryFile
    {
        public List<MailboxEntry>? Mailboxes { get; set; }

        public List<AuthorisedDomain>? AuthorisedDomains { get; set; }
    }
}
