using MssGateway.Directory;

namespace MssGateway.DirectorySync.Sources;

/// <summary>One mailbox read from a source, with the source's change time when it has one (LDAP generalized time).</summary>
public readonly record struct SourceRecord(MailboxEntry Entry, string? ModifyTimestamp);
