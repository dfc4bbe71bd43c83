namespace Delineate.Grains.Storage.Synthetic;

/// <summary>
/// The old service's mock catalogue: file n exists when n % 7 == 0; its size and bytes are
/// derived from n alone, so any process can produce (and any test can check) the same file.
/// </summary>
public static class SyntheticCatalogue
{
    public const int MinSize = 1024;
    public const int SizeSpread = 256 * 1024;

    public static bool Exists(int fileId) => fileId % 7 == 0;

    public static long SizeOf(int fileId) => MinSize + (long)(Mix((ulong)fileId) % SizeSpread);

    /// <summary>A stream of the file's bytes, generated as it is read.</summary>
    public static Stream Open(int fileId) => new SyntheticFileStream(Mix((ulong)fileId ^ 0x5DEECE66DUL), SizeOf(fileId));

    /// <summary>A stream of <paramref name="length"/> deterministic bytes (benchmarks use large ones).</summary>
    public static Stream Open(int fileId, long length) => new SyntheticFileStream(Mix((ulong)fileId ^ 0x5DEECE66DUL), length);

    /// <summary>splitmix64's finaliser: a cheap, well-spread hash of the id.</summary>
    internal static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
