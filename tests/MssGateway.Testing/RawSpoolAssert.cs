using System.Text;
using Xunit;

namespace MssGateway.Testing;

/// <summary>Reads every file under a directory raw (as a stolen disk would be read) and fails on any of the given strings found in it.</summary>
public static class RawSpoolAssert
{
    public static void HoldsNone(string root, params string[] needles) => HoldsNone(root, requireFiles: true, needles);

    public static void HoldsNone(string root, bool requireFiles, params string[] needles)
    {
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList();
        if (requireFiles)
        {
            Assert.NotEmpty(files);
        }

        foreach (var file in files)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(file);
            }
            catch (IOException)
            {
                continue; // gone meanwhile
            }

            foreach (var needle in needles)
            {
                // ASCII, and UTF-16 (a .NET string dumped as it is) for good measure.
                Assert.False(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0, $"'{needle}' found in clear in {file}");
                Assert.False(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)) >= 0, $"'{needle}' found in clear (UTF-16) in {file}");
            }
        }
    }
}
