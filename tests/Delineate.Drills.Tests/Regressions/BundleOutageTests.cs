using Delineate.Drills.Tests.Cluster;

namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// Bug found by the short drill (31 of 100 jobs in the second run): when S3 stays unreachable
/// longer than the bundle's retries (JOB_MAX_ATTEMPTS attempts, ~7 s of backoff), the transient
/// error escapes BundleWithRetriesAsync into RunAsync's catch-all and the job fails with
/// "The job hit an internal error.": no reason, although the files' own errors say "source
/// unavailable". The job may fail (the service's call under an outage) but must say why, or ride
/// the outage out within its deadline and complete.
/// </summary>
[Collection(RegressionClusterCollection.Name)]
[Trait("Category", "Regression")]
public sealed class BundleOutageTests(RegressionCluster fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_bundle_that_cannot_be_stored_fails_the_job_with_a_clear_reason_or_completes_later()
    {
        await fixture.ResetAsync(output);
        // 30 refusals: more than JOB_MAX_ATTEMPTS (4) × the SDK's 3 tries per attempt.
        var rule = fixture.S3Proxy.Fail("the export's upload answers 503 (outage)", FaultyS3Proxy.IsExportWrite, times: 30);
        var job = await fixture.InitiateAsync(RegressionCluster.Files(4, offset: 20));
        JsonElement status;
        try
        {
            status = await fixture.WaitForTerminalAsync(job, TimeSpan.FromSeconds(120));
        }
        finally
        {
            // Whatever is left of the outage ends here, for the next test.
            rule.Cancel();
        }

        output.WriteLine($"{rule.Used} export uploads refused; final status: {status.GetRawText()}");
        if (status.String("status") == JobStatuses.Completed)
        {
            await fixture.AssertCompletedCleanAsync(job, status);
            return;
        }

        var error = status.OptionalField("error")?.GetString() ?? "";
        Assert.Equal(JobStatuses.Failed, status.String("status"));
        Assert.False(string.IsNullOrWhiteSpace(error), "a failed job must carry an error");
        Assert.DoesNotContain("internal error", error, StringComparison.OrdinalIgnoreCase);
    }
}
