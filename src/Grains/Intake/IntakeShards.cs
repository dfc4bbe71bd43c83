using System.Text;

namespace Delineate.Grains.Intake;

/// <summary>
/// Owners are split over a fixed number of intake shards (shard = hash(owner) mod <see cref="Count"/>).
/// A shard admits its owners' jobs and keeps their Redis keys under one hash tag. The count is fixed:
/// changing it moves owners between shards, which needs a drained cluster.
/// </summary>
public static class IntakeShards
{
    public const int Count = 32;

    /// <summary>A stable hash (FNV-1a over UTF-8): every process maps an owner to the same shard.</summary>
    public static int Of(string owner)
    {
        var hash = 2166136261u;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(owner) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(owner, buffer)] : Encoding.UTF8.GetBytes(owner);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }
        return (int)(hash % Count);
    }
}
