using System.Net;

namespace Delineate.Observability.Tests;

/// <summary>
/// Issue #4, Done-when 6: in a two-silo run the Orleans Dashboard's data endpoints behind
/// /dashboard list both silos and the job grains; with DASHBOARD_USERNAME/PASSWORD set they ask for
/// credentials. Recorded while both silos ran (before the failover drill).
/// </summary>
[Collection(ObservedClusterCollection.Name)]
public sealed class DashboardTests(ObservedCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public void The_dashboard_answers_401_without_credentials_and_200_with_them()
    {
        Assert.Equal(3, cluster.Dashboard.Count);
        foreach (var (process, answers) in cluster.Dashboard)
        {
            output.WriteLine($"{process}: anonymous data {(int)answers.Anonymous.Status}, anonymous page {(int)answers.AnonymousPage.Status}, " +
                             $"data {(int?)answers.Counters?.Status}, page {(int)answers.Page.Status}");
            Assert.Equal(HttpStatusCode.Unauthorized, answers.Anonymous.Status);
            Assert.Equal(HttpStatusCode.Unauthorized, answers.AnonymousPage.Status);
            Assert.StartsWith("Basic", answers.Anonymous.WwwAuthenticate ?? "", StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("simpleGrainStats", answers.Anonymous.Body, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, answers.Page.Status);
            Assert.Contains("<html", answers.Page.Body, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(HttpStatusCode.OK, answers.Counters?.Status);
        }
    }

    [Fact]
    public void The_dashboard_lists_both_silos_and_the_job_grains()
    {
        var siloPorts = cluster.Silos.Select(s => $"127.0.0.1:{s.SiloPort}@").ToList();
        var jobs = cluster.Jobs.Values.Where(j => j.Role != "failover").ToList();
        foreach (var (process, answers) in cluster.Dashboard)
        {
            Assert.True(answers.Counters is { Status: HttpStatusCode.OK }, $"{process}: /dashboard/DashboardCounters answered {answers.Counters}");
            var counters = answers.Counters!.Json;
            var hosts = DashboardView.ActiveHosts(counters);
            var jobGrains = DashboardView.GrainStats(counters, "DownloadJobGrain").ToList();
            output.WriteLine($"{process}: active silos {string.Join(", ", hosts)}; job grains {string.Join(", ", jobGrains.Select(g => $"{g.GetProperty("siloAddress").GetString()}×{g.GetProperty("activationCount").GetInt64()}"))}");

            foreach (var silo in siloPorts)
            {
                Assert.True(hosts.Any(h => h.StartsWith(silo, StringComparison.Ordinal)), $"{process}'s dashboard does not list silo {silo} as Active: {string.Join(", ", hosts)}");
            }
            Assert.Equal(2, hosts.Count);
            Assert.True(DashboardView.Activations(counters, "DownloadJobGrain") >= jobs.Count,
                $"{process}'s dashboard counts {DashboardView.Activations(counters, "DownloadJobGrain")} DownloadJobGrain activations; {jobs.Count} jobs ran: {answers.Counters.Body}");
            Assert.All(jobGrains, g => Assert.Contains(siloPorts, p => (g.GetProperty("siloAddress").GetString() ?? "").StartsWith(p, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void The_dashboards_reminder_list_names_the_intake_shards()
    {
        var reminders = cluster.DashboardReminders;
        Assert.True(reminders is { Status: HttpStatusCode.OK }, $"/dashboard/Reminders answered {reminders}");
        output.WriteLine(reminders.Body.Length > 3000 ? reminders.Body[..3000] : reminders.Body);
        // Durable schedules are a handful: one reminder per intake shard (they sweep retention and
        // re-drive jobs after a silo dies), plus one per job only while it runs. Finished jobs keep none.
        Assert.Contains("intakeshard", reminders.Body, StringComparison.OrdinalIgnoreCase);
        var finished = cluster.Jobs.Values.Where(j => j.Role != "failover").ToList();
        var listed = finished.Where(j => reminders.Body.Contains(j.JobId.Replace("-", ""), StringComparison.OrdinalIgnoreCase)
                                         || reminders.Body.Contains(j.JobId, StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(listed.Count == 0, $"finished jobs still hold reminders: {string.Join(", ", listed.Select(j => j.JobId))}");
    }
}
