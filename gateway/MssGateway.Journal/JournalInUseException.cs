using System.Globalization;

namespace MssGateway.Journal;

/// <summary>
/// Another process holds the writer lock of a journal instance (<see cref="JournalWriterLock"/>): a second
/// gateway started with the same <c>Gateway:InstanceName</c> on the same journal, or another
/// <c>mssgw queue</c> run still writing. Its message names the instance, the holder and the fix.
/// </summary>
public sealed class JournalInUseException : IOException
{
    public JournalInUseException(string instance, string directory, string holder, TimeSpan waited)
        : base(Describe(instance, directory, holder, waited))
    {
        Instance = instance;
        Holder = holder;
    }

    public string Instance { get; }

    public string Holder { get; }

    private static string Describe(string instance, string directory, string holder, TimeSpan waited) =>
        string.Create(CultureInfo.InvariantCulture, $"the journal of instance '{instance}' ({directory}) is being written by another process ({holder}){(waited > TimeSpan.Zero ? $", still after {waited.TotalSeconds:0} s" : string.Empty)}; a journal has one writer")
        + (instance.EndsWith(ExchangeJournal.CliInstanceSuffix, StringComparison.Ordinal)
            ? ": another mssgw queue run is recording its actions; run again when it has finished"
            : ": two gateways were started with the same Gateway:InstanceName on the same journal. Give each its own (the default is HOSTNAME, the pod name), or stop the other one first");
}
