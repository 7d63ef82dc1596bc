using MssGateway.Bench.SmtpLoad;

return await LoadRun.MainAsync(args);
