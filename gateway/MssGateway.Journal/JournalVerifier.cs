namespace MssGateway.Journal;

/// <summary>
/// <c>mssgw journal verify</c>: reads an instance's files in chain order and checks, record by record,
/// that sequence numbers follow without a gap, that each record holds the hash of the line before it
/// (so an edited, removed, inserted or swapped record breaks the chain at that place), that every
/// checkpoint is signed by a known key and its signature holds, that each rotated file ends with its
/// final checkpoint and the next one starts by naming it, that the first file present either starts
/// the chain or is announced by a retention record, and that the last record is not torn. The first
/// fault is named (file, line, sequence number, reason).
/// </summary>
public static class JournalVerifier
{
    public static JournalVerification Verify(string instanceDirectory, IReadOnlyCollection<JournalSigner> publicKeys)
    {
        ArgumentNullException.ThrowIfNull(publicKeys);
        var files = JournalFiles.List(instanceDirectory);
        var result = new JournalVerification { Directory = instanceDirectory, Files = files.Count };
        if (files.Count == 0)
        {
            return result with { FirstFault = new JournalFault(instanceDirectory, 0, null, "no journal file here") };
        }

        var keys = publicKeys.ToDictionary(k => k.KeyId, StringComparer.Ordinal);
        string? prevHash = null;
        long? expectedSeq = null;
        JournalLine? anchor = null;
        JournalLine? previous = null;
        (long Seq, string? Hash)? retained = null;
        long records = 0, lastCheckpoint = 0;
        var checkpoints = 0;
        string? previousFile = null;
        var previousEndedFinal = true;

        JournalVerification Fail(JournalLine? at, string file, string reason) =>
            result with { Records = records, Checkpoints = checkpoints, LastCheckpointSeq = lastCheckpoint, FirstFault = new JournalFault(at?.File ?? file, at?.LineNumber ?? 0, at?.Record?.Seq, reason) };

        for (var f = 0; f < files.Count; f++)
        {
            var file = files[f];
            var lines = JournalLine.Read(file, File.ReadAllBytes(file), out var torn);
            if (lines.Count == 0 && torn.Length == 0)
            {
                return Fail(null, file, "empty file");
            }

            for (var i = 0; i < lines.Count; i++)
            {
                var line = lines[i];
                var r = line.Record;
                if (r is null)
                {
                    return Fail(line, file, "not a journal record (does not parse): altered");
                }

                if (i == 0)
                {
                    if (r.Kind != JournalRecordKind.FileOpened)
                    {
                        return Fail(line, file, "the file does not start with its file_opened record: records were removed from its start");
                    }

                    if (previousFile is not null)
                    {
                        if (!previousEndedFinal)
                        {
                            return Fail(previous, file, $"{Path.GetFileName(previousFile)} does not end with its final checkpoint: the file was cut short");
                        }

                        if (!string.Equals(r.File, Path.GetFileName(previousFile), StringComparison.Ordinal))
                        {
                            return Fail(line, file, $"the file says it follows {r.File ?? "nothing"}, the file before is {Path.GetFileName(previousFile)}: a file was removed or renamed");
                        }
                    }
                }

                if (anchor is null)
                {
                    anchor = line;
                }
                else
                {
                    if (r.Seq != expectedSeq)
                    {
                        return r.Seq > expectedSeq
                            ? Fail(line, file, $"record seq {expectedSeq} is missing (found seq {r.Seq} next): a record was removed, or records were swapped")
                            : Fail(line, file, $"seq {r.Seq} comes after seq {expectedSeq - 1}: records were reordered or duplicated");
                    }

                    if (!string.Equals(r.Prev, prevHash, StringComparison.Ordinal))
                    {
                        // This record is intact as far as it goes, but the one before no longer hashes to its link.
                        return Fail(previous, file, $"its hash does not match the link held by seq {r.Seq}: the record was altered (or the link was)");
                    }
                }

                if (r.Kind == JournalRecordKind.Checkpoint)
                {
                    if (string.IsNullOrEmpty(r.Signature) || string.IsNullOrEmpty(r.KeyId))
                    {
                        return Fail(line, file, "checkpoint without its signature: the signature was removed");
                    }

                    if (!keys.TryGetValue(r.KeyId, out var key))
                    {
                        return Fail(line, file, $"checkpoint signed with key {r.KeyId}, whose public key was not given: pass it with --public-key (or the gateway's Gateway:Journal:SigningKeyFile)");
                    }

                    if (!key.Verify(r.Instance ?? string.Empty, r.Seq, r.Prev ?? string.Empty, r.Signature))
                    {
                        return Fail(line, file, $"checkpoint signature does not verify with key {r.KeyId}: the checkpoint or the records it covers were altered");
                    }

                    checkpoints++;
                    lastCheckpoint = r.Seq;
                }

                if (r.Kind == JournalRecordKind.Retention && r.LastSeq is { } rs && (retained is null || rs > retained.Value.Seq))
                {
                    retained = (rs, r.LastHash);
                }

                records++;
                prevHash = line.Hash;
                expectedSeq = r.Seq + 1;
                previous = line;
            }

            if (torn.Length > 0)
            {
                return Fail(new JournalLine(file, lines.Count + 1, 0, string.Empty, null), file, f == files.Count - 1
                    ? $"last record torn ({torn.Length} octets without a line feed): the gateway stopped while writing it (it was never acknowledged; the gateway cuts it off and records that at its next start), or the file was cut"
                    : $"record torn ({torn.Length} octets without a line feed) at the end of a rotated file: the file was cut");
            }

            previousEndedFinal = previous?.Record is { Kind: JournalRecordKind.Checkpoint, Final: true };
            previousFile = file;
        }

        var first = anchor!.Record!;
        if (first.Seq == 1)
        {
            if (first.Prev != JournalFiles.Genesis)
            {
                return Fail(anchor, anchor.File, "the first record does not start the chain");
            }
        }
        else if (retained is not { } kept || kept.Seq != first.Seq - 1 || !string.Equals(kept.Hash, first.Prev, StringComparison.Ordinal))
        {
            return Fail(anchor, anchor.File, $"the journal starts at seq {first.Seq}, and no retention record accounts for seq {first.Seq - 1} and before: files were removed");
        }

        return result with { Records = records, Checkpoints = checkpoints, LastCheckpointSeq = lastCheckpoint, UnsignedTail = (expectedSeq ?? 1) - 1 - lastCheckpoint };
    }
}
