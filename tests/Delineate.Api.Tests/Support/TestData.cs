namespace Delineate.Api.Tests.Support;

/// <summary>Ids and owners for tests.</summary>
public static class TestData
{
    /// <summary>A fresh owner name, so a test's jobs are its own on a shared gateway.</summary>
    public static string NewOwner(string purpose) => $"{purpose}-{Guid.NewGuid():N}";

    /// <summary><paramref name="count"/> ids that exist in the synthetic catalogue (multiples of 7), from <paramref name="first"/> on.</summary>
    public static int[] AvailableIds(int count, int first = 70000) =>
        Enumerable.Range(0, count).Select(i => first + (7 * i)).ToArray();

    public static string InitiateBody(IEnumerable<int> fileIds) => JsonSerializer.Serialize(new { file_ids = fileIds });
}
