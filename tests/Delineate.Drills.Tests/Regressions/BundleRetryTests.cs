using Delineate.Drills.Tests.Cluster;

namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// Bug found by the short drill: every bundle retry ran off the grain's scheduler (Polly resumes
/// after its backoff delay without the captured context), touched grain state there and threw
/// "Activation access violation", so a job whose first bundle attempt met a transient S3 error
/// failed with "The job hit an internal error." (73 of 100 jobs in the first drill).
/// </summary>
[Collection(RegressionClusterCollection.Name)]
[Trait("Category", "Regression")]
public sealed class BundleRetryTests(RegressionCluster fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_bundle_retried_after_a_transient_S3_error_completes_the_job()
    {
        await fixture.ResetAsync(output);
        // Three 503s: more than the S3 SDK's own retries (MaxErrorRetry 2), fewer than the bundle's attempts (JOB_MAX_ATTEMPTS 4).
        var rule = fixture.S3Proxy.Fail("the export's upload answers 503", FaultyS3Proxy.IsExportWrite, times: 3);
        var job = await fixture.InitiateAsync(RegressionCluster.Files(4, offset: 10));

        var status = await fixture.WaitForTerminalAsync(job, TimeSpan.FromSeconds(60));

        output.WriteLine($"S3 requests: {string.Join("\n  ", fixture.S3Proxy.Requests.TakeLast(30))}");
        Assert.Equal(3, rule.Used);
        await fixture.AssertCompletedCleanAsync(job, status);
    }
}
