using Delineate.Grains.Jobs;
using Delineate.Grains.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace Delineate.Grains.Tests.Storage;

/// <summary>
/// The clustered silo stores grain state in Orleans' binary format; state an older build wrote as
/// JSON must still read.
/// </summary>
[Collection(LongLivedJobClusterCollection.Name)]
public sealed class BinaryGrainStateSerializerTests(LongLivedJobCluster cluster)
{
    private IGrainStorageSerializer Json => cluster.SiloService<IGrainStorageSerializer>();

    private BinaryGrainStateSerializer Subject => new(cluster.SiloService<Serializer>(), Json);

    [Fact]
    public void A_job_state_round_trips_in_binary_smaller_than_json()
    {
        var state = SampleJob();

        var stored = Subject.Serialize(state);
        var read = Subject.Deserialize<DownloadJobState>(stored)!;

        AssertSameJob(state, read);
        Assert.NotEqual((byte)'{', stored.ToMemory().Span[0]);
        var json = Json.Serialize(state);
        Assert.True(stored.ToMemory().Length * 2 < json.ToMemory().Length,
            $"binary {stored.ToMemory().Length} bytes, JSON {json.ToMemory().Length} bytes");
    }

    [Fact]
    public void A_job_state_written_as_json_by_an_older_build_still_reads()
    {
        var state = SampleJob();

        var read = Subject.Deserialize<DownloadJobState>(Json.Serialize(state))!;

        AssertSameJob(state, read);
    }

    private static DownloadJobState SampleJob() => new()
    {
        Owner = "alice",
        Status = Abstractions.JobStatus.Processing,
        Phase = Abstractions.JobPhase.Fetching,
        Files =
        [
            new FileState { FileId = 70_000, Status = Abstractions.FileStatus.Ready, Size = 12_345, Attempts = 1, Key = "downloads/70000.zip" },
            new FileState { FileId = 70_001, Status = Abstractions.FileStatus.Missing, Attempts = 1 },
            new FileState { FileId = 70_007, Status = Abstractions.FileStatus.Failed, Attempts = 3, Error = "source unavailable" },
        ],
        CreatedAt = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2026, 11, 28, 12, 0, 5, TimeSpan.Zero),
        Deadline = new DateTimeOffset(2026, 11, 28, 12, 10, 0, TimeSpan.Zero),
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        Seq = 7,
        Percent = 42,
        UploadId = "upload-1",
        ArchiveKey = "exports/x.zip",
        Runs = 2,
    };

    private static void AssertSameJob(DownloadJobState expected, DownloadJobState actual)
    {
        Assert.Equal(
            (expected.Version, expected.Owner, expected.Status, expected.Phase, expected.CreatedAt, expected.UpdatedAt, expected.Deadline, expected.TraceParent, expected.Seq, expected.Percent, expected.UploadId, expected.ArchiveKey, expected.Runs),
            (actual.Version, actual.Owner, actual.Status, actual.Phase, actual.CreatedAt, actual.UpdatedAt, actual.Deadline, actual.TraceParent, actual.Seq, actual.Percent, actual.UploadId, actual.ArchiveKey, actual.Runs));
        Assert.Equal(
            expected.Files.Select(f => (f.FileId, f.Status, f.Size, f.Attempts, f.Error, f.Key)),
            actual.Files.Select(f => (f.FileId, f.Status, f.Size, f.Attempts, f.Error, f.Key)));
    }
}
