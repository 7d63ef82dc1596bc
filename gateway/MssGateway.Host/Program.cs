using MssGateway.Host;

return await GatewayProgram.RunAsync(args);
