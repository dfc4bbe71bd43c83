namespace Delineate.Abstractions;

/// <summary>
/// Names shared by publishers and subscribers of job progress. Events travel on one stream per
/// partition of the job id space, not one per job: a stream's pub-sub registration (a rendezvous
/// grain and a <c>PubSubStore</c> write) is paid once per partition, and subscribers fan out by
/// <see cref="JobEvent.JobId"/>.
/// </summary>
public static class StreamNames
{
    /// <summary>The Orleans stream provider carrying progress.</summary>
    public const string Provider = "progress";

    /// <summary>The stream namespace; the stream key is the partition number.</summary>
    public const string PartitionNamespace = "job-partition";

    /// <summary>How many progress streams there are. Fixed: publishers and subscribers must agree.</summary>
    public const int Partitions = 64;

    /// <summary>
    /// The memory-stream queues the partitions are spread over, one pulling agent each. Every agent
    /// polls its queue, so fewer queues poll less when idle; two still spread a cluster's events over
    /// two silos. Silos and gateways configure the same number.
    /// </summary>
    public const int Queues = 2;

    /// <summary>The partition a job's events are published on.</summary>
    public static int PartitionOf(Guid jobId)
    {
        // The low bytes of a version 7 Guid are random; its high bytes are a timestamp.
        Span<byte> bytes = stackalloc byte[16];
        jobId.TryWriteBytes(bytes);
        return (int)(BitConverter.ToUInt32(bytes[12..]) % Partitions);
    }

    /// <summary>The stream key of one partition (the stream id is this key in <see cref="PartitionNamespace"/>).</summary>
    public static string PartitionKey(int partition) => partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
