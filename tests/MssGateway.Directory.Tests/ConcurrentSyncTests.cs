using MssGateway.Directory.Tests.Fixtures;
using MssGateway.Testing;
using StackExchange.Redis;

namespace MssGateway.Directory.Tests;

/// <summary>Readers during concurrent full syncs see one whole generation at a time.</summary>
public sealed class ConcurrentSyncTests : IAsyncLifetime
{
    private const int Count = 400;
    private readonly TempDirectory _dir = new("mssgw-concurrent");
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await _redis.ConnectAsync();
        foreach (var profession in new[] { "A", "B" })
        {
            await using var w = new StreamWriter(_dir.Combine(profession + ".txt"));
            DirectoryDataGenerator.WriteFlatFile(w, Count, profession: profession);
        }
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Readers_see_only_whole_generations_while_syncs_run_concurrently()
    {
        const string prefix = "c";
        await SyncHarness.RunAsync(_connection, SyncHarness.FlatFileOptions(_redis.Configuration, prefix, _dir.Combine("A.txt")));
        var personal = Enumerable.Range(0, Count).Where(i => DirectoryDataGenerator.Kind(i) == MailboxKind.Personal).ToArray();
        using var stop = new CancellationTokenSource();
        var db = _connection.GetDatabase();
        var snapshotsChecked = 0;
        var generationsSeen = new HashSet<string>();

        // Raw reader: one generation, every personal entry of it; all present, all from the same file.
        var raw = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var gen = (string?)await db.HashGetAsync("{c}:current", "generation");
                var reads = personal.Select(i =>
                {
                    var a = DirectoryDataGenerator.Address(i);
                    return db.HashGetAsync($"c:g:{gen}:a:{Redis.RedisDirectoryKeys.BucketOf(a, 64)}", a);
                }).ToArray();
                var values = await Task.WhenAll(reads);
                if (values.Any(v => v.IsNull))
                {
                    // Allowed only if the generation was already replaced (and is being removed).
                    Assert.NotEqual(gen, (string?)await db.HashGetAsync("{c}:current", "generation"));
                    continue;
                }

                var professions = values.Select(v => Redis.MailboxEntryCodec.Decode(v.ToString())!.Profession).Distinct().ToArray();
                Assert.Single(professions);
                lock (generationsSeen)
                {
                    generationsSeen.Add(gen!);
                }

                Interlocked.Increment(ref snapshotsChecked);
            }
        });

        // Gateway reader: never misses a mailbox that every generation has.
        var gateway = Task.Run(async () =>
        {
            await using var reader = SyncHarness.Reader(_connection, prefix, refresh: TimeSpan.FromMilliseconds(50));
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var i = personal[n++ % personal.Length];
                var found = await reader.FindByAddressAsync(DirectoryDataGenerator.Address(i), CancellationToken.None);
                Assert.NotNull(found);
                Assert.Contains(found.Profession, new[] { "A", "B" });
            }
        });

        // Two writers at once, alternating files, 4 runs each: the lock serialises them; each switch retires the previous generation.
        async Task Writer(string first, string second)
        {
            for (var run = 0; run < 4; run++)
            {
                var file = run % 2 == 0 ? first : second;
                await SyncHarness.RunAsync(_connection, SyncHarness.FlatFileOptions(_redis.Configuration, prefix, _dir.Combine(file)));
            }
        }

        // Start writing once the reader has checked the first generation, and stop once it has checked the last one.
        while (Volatile.Read(ref snapshotsChecked) == 0 && !raw.IsCompleted)
        {
            await Task.Delay(10);
        }

        await Task.WhenAll(Writer("B.txt", "A.txt"), Writer("A.txt", "B.txt"));
        var after = Volatile.Read(ref snapshotsChecked);
        while (Volatile.Read(ref snapshotsChecked) < after + 2 && !raw.IsCompleted)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await Task.WhenAll(raw, gateway);

        Assert.True(snapshotsChecked > 0);
        Assert.True(generationsSeen.Count >= 2, $"the reader saw {generationsSeen.Count} generation(s)");
        Assert.Single(await db.SetMembersAsync("{c}:generations"));
    }
}
