using MssGateway.DeliveryBench;

// Delivery bench and test child process.
//   run   --spool DIR --port PORT [--workers N]         run the scheduler until killed (crash tests)
//   bench --messages N [--size BYTES] [--workers N]      fill a spool, deliver it to an in-process sink, print figures
return args.FirstOrDefault() switch
{
    "run" => await RunMode.RunAsync(BenchArguments.Parse(args[1..])),
    "bench" => await BenchMode.RunAsync(BenchArguments.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: DeliveryBench run --spool DIR --port PORT [--workers N] | bench --messages N [--size BYTES] [--workers N]");
    return 2;
}
