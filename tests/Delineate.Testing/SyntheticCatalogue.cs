namespace Delineate.Testing;

/// <summary>The synthetic catalogue's rule, restated from the spec (not taken from the product's code).</summary>
public static class SyntheticCatalogue
{
    /// <summary>File <paramref name="fileId"/> exists iff it is a multiple of 7.</summary>
    public static bool Exists(long fileId) => fileId % 7 == 0;
}
