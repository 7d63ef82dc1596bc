using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>One recipient reported in a DSN: its envelope entry, the reply that decided it and where it went.</summary>
public sealed record DsnRecipient(SpoolRecipient Recipient, DeliveryReply Reply, string? RemoteMta, bool ReplyFromRemote);
