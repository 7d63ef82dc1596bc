using MssGateway.DirectorySync;

return await DirectorySyncProgram.MainAsync(args).ConfigureAwait(false);
