namespace Delineate.Client;

/// <summary>The <c>202</c> answer to an initiate: the job's id and where to follow it.</summary>
public sealed record JobAccepted
{
    public Guid JobId { get; init; }

    public JobStatus Status { get; init; }

    public int TotalFileIds { get; init; }

    public string StatusUrl { get; init; } = "";

    public string SubscribeUrl { get; init; } = "";

    public string EventsUrl { get; init; } = "";
}
