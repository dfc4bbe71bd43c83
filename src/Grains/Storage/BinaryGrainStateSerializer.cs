using Orleans.Serialization;
using Orleans.Storage;

namespace Delineate.Grains.Storage;

/// <summary>
/// Grain state in Orleans' own binary format (version-tolerant through the states' <c>[Id]</c>s),
/// instead of the default JSON with type names, which cost most of the silo's allocations per
/// initiate (docs/benchmarks.md). State written as JSON by an older build still reads: JSON
/// starts with '{', a binary payload never does.
/// </summary>
public sealed class BinaryGrainStateSerializer(Serializer binary, IGrainStorageSerializer? json) : IGrainStorageSerializer
{
    private readonly OrleansGrainStorageSerializer _binary = new(binary);

    public BinaryData Serialize<T>(T? input) => _binary.Serialize(input);

    public T? Deserialize<T>(BinaryData input) =>
        IsJson(input.ToMemory().Span)
            ? (json ?? throw new NotSupportedException("State stored as JSON needs the JSON grain storage serializer.")).Deserialize<T>(input)
            : _binary.Deserialize<T>(input);

    private static bool IsJson(ReadOnlySpan<byte> data)
    {
        var start = data.TrimStart(" \t\r\n"u8);
        return start.Length > 0 && start[0] == (byte)'{';
    }
}
