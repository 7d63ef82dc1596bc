using MssGateway.Bench.SmtpServerPeer;

return await PeerServer.RunAsync(args);
