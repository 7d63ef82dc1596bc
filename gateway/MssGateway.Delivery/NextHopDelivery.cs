using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>One message for one group of recipients, to the destination whose slot the pass holds.</summary>
internal sealed record NextHopDelivery(SpoolMessage Message, OutboundContent Content, Destination Destination, NextHop Hop, IReadOnlyList<SpoolRecipient> Recipients);
