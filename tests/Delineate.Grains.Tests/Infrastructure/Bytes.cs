namespace Delineate.Grains.Tests.Infrastructure;

public static class Bytes
{
    /// <summary>Reads a stream to its end and disposes it.</summary>
    public static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            return buffer.ToArray();
        }
    }
}
