using Xunit.Sdk;

namespace Delineate.Api.Tests.Support;

/// <summary>The rules every sequence of progress events a client receives must keep (README, "API": progress events).</summary>
public static class EventStreamAssert
{
    private static readonly HashSet<string> Types = ["snapshot", "progress", "completed", "failed", "cancelled"];
    private static readonly HashSet<string> StatusValues = ["queued", "processing", "completed", "failed", "cancelled"];

    /// <summary>
    /// Every event is of this job with a known type and status; progress is 0..100 and never goes back;
    /// the last event, and only it, is terminal. Seq never goes back; it strictly increases except that
    /// a terminal event may repeat the seq of the snapshot right before it (a finished job's snapshot).
    /// </summary>
    public static void WellFormed(string jobId, IReadOnlyList<ReceivedEvent> events, string transcript)
    {
        Assert.True(events.Count > 0, $"no event received\n{transcript}");
        ReceivedEvent? previous = null;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var where = $"event #{i} {e}\n{transcript}";
            Assert.True(string.Equals(e.Json.String("jobId"), jobId, StringComparison.OrdinalIgnoreCase), $"wrong jobId in {where}");
            Assert.True(Types.Contains(e.Type), $"unknown type in {where}");
            Assert.True(StatusValues.Contains(e.Status), $"unknown status in {where}");
            Assert.True(e.Progress is >= 0 and <= 100, $"progress outside 0..100 in {where}");
            Assert.True(e.IsTerminal == (i == events.Count - 1), $"the terminal event must be the last one, and only it; {where}");
            if (previous is not null)
            {
                Assert.True(e.Progress >= previous.Progress, $"progress went back from {previous.Progress} in {where}");
                var repeatsSnapshot = previous.Type == "snapshot" && e.IsTerminal && e.Seq == previous.Seq;
                Assert.True(e.Seq > previous.Seq || repeatsSnapshot, $"seq did not increase after {previous.Seq} in {where}");
            }

            previous = e;
        }
    }

    /// <summary>The seqs of <paramref name="events"/> are exactly first, first+1, …</summary>
    public static void Contiguous(long first, IReadOnlyList<ReceivedEvent> events, string transcript)
    {
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Seq != first + i)
            {
                throw new XunitException($"expected seq {first + i} at #{i} (contiguous from {first}), got {events[i].Seq}\n{transcript}");
            }
        }
    }

    public static string Describe(IEnumerable<ReceivedEvent> events) => string.Join('\n', events.Select(e => e.ToString()));
}
