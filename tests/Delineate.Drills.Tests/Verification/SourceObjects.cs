using System.Collections.Concurrent;
using System.Net;

namespace Delineate.Drills.Tests.Verification;

/// <summary>The seeded source objects, read straight from s3rver (it does not check signatures) and kept.</summary>
public sealed class SourceObjects(Uri bucketUri, HttpClient http)
{
    public SourceObjects(S3Server s3, string bucket, HttpClient http)
        : this(s3.ObjectUri(bucket, ""), http)
    {
    }

    private readonly ConcurrentDictionary<int, Lazy<Task<byte[]?>>> _cache = new();

    /// <summary>The bytes of <c>downloads/{id}.zip</c>, or null when there is no such object.</summary>
    public Task<byte[]?> GetAsync(int fileId) =>
        _cache.GetOrAdd(fileId, id => new Lazy<Task<byte[]?>>(() => LoadAsync(id))).Value;

    private async Task<byte[]?> LoadAsync(int fileId)
    {
        using var response = await http.GetAsync(new Uri(bucketUri, $"downloads/{fileId}.zip"));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }
}
