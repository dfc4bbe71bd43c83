using System.Text;
using System.Text.Json.Nodes;
using Delineate.Grains.Jobs;
using Delineate.Grains.Storage;
using Delineate.Grains.Webhooks;
using Orleans.Serialization;
using Orleans.Storage;

namespace Delineate.Grains.Tests.Webhooks;

/// <summary>The delivery state is part of the job's stored record; records written before webhooks existed still read.</summary>
[Collection(LongLivedJobClusterCollection.Name)]
public sealed class WebhookStateStorageTests(LongLivedJobCluster cluster)
{
    private IGrainStorageSerializer Json => cluster.SiloService<IGrainStorageSerializer>();

    private BinaryGrainStateSerializer Subject => new(cluster.SiloService<Serializer>(), Json);

    [Fact]
    public void A_pending_delivery_round_trips_with_the_job()
    {
        var state = Job();
        state.Webhook = new WebhookState
        {
            Url = "https://example.com/hooks/delineate",
            BaseUrl = "http://127.0.0.1:3000",
            Status = WebhookStatus.Pending,
            Attempts = 2,
            LastError = "HTTP 500",
            NextAttemptAt = new DateTimeOffset(2026, 12, 4, 2, 0, 3, TimeSpan.Zero),
        };

        var read = Subject.Deserialize<DownloadJobState>(Subject.Serialize(state))!;

        Assert.NotNull(read.Webhook);
        Assert.Equal(
            (state.Webhook.Url, state.Webhook.BaseUrl, state.Webhook.Status, state.Webhook.Attempts, state.Webhook.LastError, state.Webhook.NextAttemptAt),
            (read.Webhook.Url, read.Webhook.BaseUrl, read.Webhook.Status, read.Webhook.Attempts, read.Webhook.LastError, read.Webhook.NextAttemptAt));
    }

    [Fact]
    public void A_record_without_a_webhook_reads_with_none_in_binary_and_in_older_json()
    {
        var state = Job();

        var binary = Subject.Deserialize<DownloadJobState>(Subject.Serialize(state))!;
        var json = JsonNode.Parse(Json.Serialize(state).ToString())!.AsObject();
        foreach (var name in json.Select(p => p.Key).Where(k => k.Equals("Webhook", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            json.Remove(name);
        }
        var older = Subject.Deserialize<DownloadJobState>(BinaryData.FromBytes(Encoding.UTF8.GetBytes(json.ToJsonString())))!;

        Assert.Null(binary.Webhook);
        Assert.Null(older.Webhook);
        Assert.Equal((state.Owner, state.Status, state.Seq), (older.Owner, older.Status, older.Seq));
    }

    private static DownloadJobState Job() => new()
    {
        Owner = "alice",
        Status = JobStatus.Completed,
        Phase = JobPhase.Finished,
        Files = [new FileState { FileId = 70_000, Status = FileStatus.Ready, Size = 1_234, Attempts = 1 }],
        CreatedAt = new DateTimeOffset(2026, 12, 4, 2, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2026, 12, 4, 2, 0, 2, TimeSpan.Zero),
        Seq = 4,
        Percent = 100,
    };
}
