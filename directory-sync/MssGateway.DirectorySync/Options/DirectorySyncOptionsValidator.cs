using Microsoft.Extensions.Options;
using MssGateway.Directory.Redis;

namespace MssGateway.DirectorySync.Options;

/// <summary>
/// Start-up validation of <see cref="DirectorySyncOptions"/>: its own keys and those of its sections (the source in
/// use, the liste blanche, Redis, the HTTP endpoint), every problem at once, each naming its full key and the fix.
/// </summary>
public sealed class DirectorySyncOptionsValidator : IValidateOptions<DirectorySyncOptions>
{
    private const string S = DirectorySyncOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, DirectorySyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Require(options.Interval > TimeSpan.Zero, $"{S}:Interval must be a positive duration (hh:mm:ss), e.g. 01:00:00.");
        Require(options.FullSyncInterval > TimeSpan.Zero, $"{S}:FullSyncInterval must be a positive duration, e.g. 1.00:00:00.");
        Require(options.RetireDelay >= TimeSpan.Zero, $"{S}:RetireDelay must be zero or positive (hh:mm:ss).");
        Require(options.LockTimeout >= TimeSpan.Zero, $"{S}:LockTimeout must be zero or positive (hh:mm:ss).");
        Require(options.LockLease >= TimeSpan.FromSeconds(5), $"{S}:LockLease must be at least 00:00:05.");
        Require(options.BatchSize is >= 1 and <= 100_000, $"{S}:BatchSize must be between 1 and 100000 (default 1000).");
        Require(options.Buckets is >= 1 and <= 1_000_000, $"{S}:Buckets must be between 1 and 1000000 (default 1024).");
        Require(options.MaxShrinkRatio is > 0 and <= 1, $"{S}:MaxShrinkRatio must be in (0, 1] (default 0.5; 1 accepts any shrink).");
        Require(options.MaxEntriesPerSecond >= 0, $"{S}:MaxEntriesPerSecond must be 0 (no throttle) or more.");
        if (options.Source == DirectorySource.Ldap)
        {
            Add(new LdapSourceOptionsValidator().Validate(name, options.Ldap));
        }
        else
        {
            Add(new FlatFileSourceOptionsValidator().Validate(name, options.FlatFile));
            Require(options.Mode != SyncMode.Incremental, $"{S}:Mode is Incremental but {S}:Source is FlatFile: the extraction has no change dates; use Full or Auto.");
        }

        Add(new AuthorisedDomainListOptionsValidator().Validate(name, options.AuthorisedDomains));
        Add(new RedisDirectoryOptionsValidator($"{S}:Redis").Validate(name, options.Redis));
        Add(new HttpEndpointOptionsValidator().Validate(name, options.Http));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        void Require(bool ok, string failure)
        {
            if (!ok)
            {
                errors.Add(failure);
            }
        }

        void Add(ValidateOptionsResult result)
        {
            if (result.Failed)
            {
                errors.AddRange(result.Failures);
            }
        }
    }
}
