using Delineate.Drills.Tests.Reporting;
using Xunit.Sdk;

namespace Delineate.Drills.Tests.Drills;

/// <summary>The drill's verdict: every accepted job ended and checks out, nothing was lost.</summary>
public static class DrillAssert
{
    public static void EveryJobAccountedFor(DrillReport report, int expectedJobs)
    {
        var failures = new List<string>();
        var jobs = report.Jobs;
        if (jobs.Accepted < expectedJobs)
        {
            failures.Add($"{jobs.Accepted} of {expectedJobs} jobs accepted; not accepted: {string.Join("; ", report.NotAccepted.Take(5))}");
        }

        if (jobs.Lost > 0)
        {
            failures.Add($"{jobs.Lost} jobs lost: {string.Join("; ", report.Lost.Take(10).Select(l => $"{l.JobId} {l.LastKnownStatus}: {l.Why}"))}");
        }

        if (jobs.Completed + jobs.Failed + jobs.Cancelled != jobs.Accepted)
        {
            failures.Add($"{jobs.Completed} completed + {jobs.Failed} failed + {jobs.Cancelled} cancelled ≠ {jobs.Accepted} accepted");
        }

        if (jobs.ArchivesVerified != jobs.Completed)
        {
            failures.Add($"{jobs.ArchivesVerified} archives verified of {jobs.Completed} completed jobs");
        }

        // A fault the service rode out or gave up on has a name; "internal error" means one escaped its handling.
        var unexplained = report.JobFailureReasons.Where(r => r.Key.Contains("internal error", StringComparison.OrdinalIgnoreCase)).ToList();
        if (unexplained.Count > 0)
        {
            failures.Add($"{unexplained.Sum(r => r.Value)} jobs failed without a reason: " +
                string.Join(", ", unexplained.Select(r => $"{r.Value} × \"{r.Key}\"")));
        }

        Add(failures, "verification problems", report.VerificationProblems);
        // A job no client was given: a retried initiate (same Idempotency-Key) that made a second job, or a half-done one.
        Add(failures, "job states in Redis that no client was given", report.OrphanJobStates);
        Add(failures, "event stream violations", report.StreamViolations);
        Add(failures, "jobs unfinished past their deadline", report.StuckPastDeadline);
        Add(failures, "finished jobs that later showed another status", report.TerminalReversals);
        foreach (var (mode, stats) in report.Followers.Where(f => f.Value.GaveUp > 0))
        {
            failures.Add($"{stats.GaveUp} {mode} followers never saw their job end (connection ends: {string.Join(", ", stats.ConnectionEnds.Select(e => $"{e.Key} ×{e.Value}"))})");
        }

        Add(failures, "faults that did not happen as planned", report.Faults.Where(f => f.Error is not null).Select(f => $"{f.Kind} at {f.AtSecond} s: {f.Error}").ToList());
        if (failures.Count > 0)
        {
            throw new XunitException(
                $"drill '{report.Kind}' (seed {report.Seed}; logs in {report.Logs}):\n- " + string.Join("\n- ", failures) +
                $"\njobs: {JsonSerializer.Serialize(jobs)}");
        }
    }

    private static void Add(List<string> failures, string what, IReadOnlyList<string> items)
    {
        if (items.Count > 0)
        {
            failures.Add($"{items.Count} {what}:\n    " + string.Join("\n    ", items.Take(15)));
        }
    }
}
