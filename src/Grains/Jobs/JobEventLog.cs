using Delineate.Abstractions;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Delineate.Grains.Jobs;

/// <summary>
/// A job's events: recorded when they happen, published on the job's partition stream only once the
/// state holding them is persisted (so no successor repeats a seq or takes progress back), and kept
/// for a while so a client resuming after a seq gets exactly what it missed.
/// </summary>
public sealed class JobEventLog(Guid jobId, IAsyncStream<JobEvent> stream, long seqAtActivation, JobMetrics metrics, ILogger logger)
{
    private const int HistoryLength = 256;
    private readonly Queue<JobEvent> _outbox = new();
    private readonly Queue<JobEvent> _history = new();
    private bool _publishing;

    /// <summary>The stream a job's events go on: its partition's.</summary>
    public static IAsyncStream<JobEvent> StreamOf(IStreamProvider provider, Guid jobId) => provider.GetStream<JobEvent>(
        StreamId.Create(StreamNames.PartitionNamespace, StreamNames.PartitionKey(StreamNames.PartitionOf(jobId))));

    /// <summary>
    /// Moves the state to a new event (next seq, progress that never goes back) and records the event;
    /// it waits in the outbox until its seq is persisted.
    /// </summary>
    public void Emit(DownloadJobState state, JobEventType type, FileResult? file, DateTimeOffset now, int bundled = 0, int bundleTotal = 0)
    {
        state.Seq++;
        state.UpdatedAt = now;
        state.Percent = JobReadModel.Percent(state, bundled, bundleTotal);
        _outbox.Enqueue(new JobEvent
        {
            Type = type,
            JobId = jobId,
            Seq = state.Seq,
            Progress = JobReadModel.Progress(state, now),
            File = file,
            At = now,
            Error = type is JobEventType.Failed ? state.Error : null,
        });
    }

    /// <summary>Forgets the recorded events not published yet: the change they belong to was refused and never stored.</summary>
    public void DropUnpublished() => _outbox.Clear();

    /// <summary>Publishes, in order, every recorded event whose seq is at most <paramref name="persistedSeq"/>.</summary>
    public async Task PublishUpToAsync(long persistedSeq)
    {
        if (_publishing)
        {
            // The publisher already running takes these too, in order.
            return;
        }
        _publishing = true;
        try
        {
            while (_outbox.TryPeek(out var next) && next.Seq <= persistedSeq)
            {
                _outbox.Dequeue();
                _history.Enqueue(next);
                if (_history.Count > HistoryLength)
                {
                    _history.Dequeue();
                }
                try
                {
                    await stream.OnNextAsync(next);
                    metrics.Published(DateTimeOffset.UtcNow - next.At);
                }
                catch (Exception ex)
                {
                    // Subscribers catch up from the status snapshot; the job goes on.
                    logger.LogWarning(ex, "Job {JobId} could not publish event {Seq}", next.JobId, next.Seq);
                }
            }
        }
        finally
        {
            _publishing = false;
        }
    }

    /// <summary>
    /// The published events after <paramref name="afterSeq"/>, contiguous and in order; empty when there
    /// are none yet; null when they are no longer all kept (the caller starts from a snapshot).
    /// </summary>
    public IReadOnlyList<JobEvent>? After(long afterSeq)
    {
        var newest = _history.Count > 0 ? _history.Last().Seq : seqAtActivation;
        if (afterSeq >= newest)
        {
            return [];
        }
        if (_history.Count == 0 || afterSeq < _history.Peek().Seq - 1)
        {
            return null;
        }
        return _history.Where(e => e.Seq > afterSeq).ToList();
    }
}
