using MssGateway.DeliveryBench;

// Delivery bench and test child process.
//   run   --spool DIR --port PORT [--workers N]            run the scheduler until killed (crash tests)
//   bench --messages N [--size BYTES] [--workers N]         fill a spool, deliver it to an in-process sink, print figures
//   sink  [--port P] [--cert PEM --key PEM [--require-client-cert true]] [--tempfail 0.05] [--permfail 0.01] [--stats FILE]
//         [--latency-ms N] [--early-replies true] [--rtt-ms N]
//                                                          the smart sink: answers a share of transactions 4xx / 5xx, a data
//                                                          reply N ms late, RSET/MAIL/RCPT before a chunk, replies a round trip late
//   fill  --spool DIR [--messages N] [--size BYTES] [--sender A] [--rcpt A]   write N messages straight into incoming/
//   clients [--messages N] [--connections C] [--size BYTES] MailKit with reuse vs the gateway's client, same sink
return args.FirstOrDefault() switch
{
    "run" => await RunMode.RunAsync(BenchArguments.Parse(args[1..])),
    "bench" => await BenchMode.RunAsync(BenchArguments.Parse(args[1..])),
    "sink" => await SinkMode.RunAsync(BenchArguments.Parse(args[1..])),
    "fill" => FillMode.Run(BenchArguments.Parse(args[1..])),
    "clients" => await ClientsMode.RunAsync(BenchArguments.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: DeliveryBench run|bench|sink|fill|clients [options] (see Program.cs)");
    return 2;
}
