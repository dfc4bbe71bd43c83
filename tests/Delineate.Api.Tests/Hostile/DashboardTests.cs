using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// Item 1 of issue 13: the Orleans Dashboard lists every job id, so it is served only behind
/// DASHBOARD_USERNAME/DASHBOARD_PASSWORD, on silos and gateways, embedded and clustered. Without them
/// it is off (404) with one warning; DASHBOARD_ANONYMOUS=true is honoured only on a loopback-only
/// embedded gateway and refused everywhere else.
/// </summary>
[Collection(HostileClusterCollection.Name)]
public sealed class DashboardTests(HostileClusterFixture fixture)
{
    private const string NotServedWarning = "The Orleans Dashboard is not served at /dashboard: set DASHBOARD_USERNAME and DASHBOARD_PASSWORD";
    private const string User = "ops";
    private const string Password = "dashboard-password-0123";
    private static readonly string[] DashboardPaths = ["/dashboard", "/dashboard/", "/dashboard/DashboardCounters", "/dashboard/ClusterStats"];

    private static Dictionary<string, string?> Credentials => new() { ["DASHBOARD_USERNAME"] = User, ["DASHBOARD_PASSWORD"] = Password };

    [Fact]
    public async Task Without_credentials_no_host_serves_it_and_each_says_so_once()
    {
        await using var embedded = await GatewayHost.StartEmbeddedAsync("hostile-dashboard-default");
        var hosts = new (string Name, Uri Address, ManagedProcess Process)[]
        {
            ("embedded gateway", embedded.BaseAddress, embedded.Process),
            ("clustered gateway", fixture.Gateway.BaseAddress, fixture.Gateway.Process),
            ("silo", fixture.Silo.BaseAddress, fixture.Silo.Process),
        };
        using var http = new HttpClient();
        foreach (var (name, address, process) in hosts)
        {
            foreach (var path in DashboardPaths)
            {
                using var response = await http.GetAsync(new Uri(address, path));
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{name} GET {path}: expected 404, got {(int)response.StatusCode}");
            }

            var warnings = process.ReadLog().Split('\n').Count(l => l.Contains(NotServedWarning, StringComparison.Ordinal));
            Assert.True(warnings == 1, $"{name} should log the warning '{NotServedWarning}' once at start, logged it {warnings} times\n{process.Tail()}");
        }
    }

    [Fact]
    public async Task With_credentials_gateway_and_silo_answer_401_without_them_and_200_with_them()
    {
        await using var embedded = await GatewayHost.StartEmbeddedAsync("hostile-dashboard-credentials", Credentials);
        // A silo of a cluster of its own (same Redis), so the shared cluster's membership is untouched.
        var ownCluster = new Dictionary<string, string?>(Credentials) { ["ORLEANS_CLUSTER_ID"] = $"dashboard-{Guid.NewGuid():N}", ["ORLEANS_SERVICE_ID"] = $"dashboard-{Guid.NewGuid():N}" };
        await using var silo = await SiloProcess.StartAsync("silo-dashboard", RefusedStart.ClusterMember(fixture.Cluster, ownCluster, gateway: false), fixture.Cluster.Directory);
        using var http = new HttpClient();
        foreach (var (name, address) in new[] { ("embedded gateway", embedded.BaseAddress), ("silo", silo.BaseAddress) })
        {
            foreach (var (what, auth) in new (string, AuthenticationHeaderValue?)[]
            {
                ("no credentials", null),
                ("a wrong password", Basic(User, "wrong-password")),
                ("the password as user", Basic(Password, User)),
                ("a bearer token", new AuthenticationHeaderValue("Bearer", Password)),
                ("malformed basic", new AuthenticationHeaderValue("Basic", "%%%")),
            })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/dashboard/"));
                request.Headers.Authorization = auth;
                using var response = await http.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name} with {what}: expected 401, got {(int)response.StatusCode}");
                Assert.Equal("Basic realm=\"Orleans Dashboard\"", response.Headers.WwwAuthenticate.ToString());
            }

            using var authorized = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/dashboard/"));
            authorized.Headers.Authorization = Basic(User, Password);
            using var page = await http.SendAsync(authorized);
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{name} with the right credentials: expected 200, got {(int)page.StatusCode}");
        }
    }

    [Fact]
    public async Task The_anonymous_opt_in_serves_it_on_a_loopback_embedded_gateway()
    {
        await using var embedded = await GatewayHost.StartEmbeddedAsync("hostile-dashboard-anonymous", new Dictionary<string, string?> { ["DASHBOARD_ANONYMOUS"] = "true" });
        using var response = await embedded.Client().GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("served at /dashboard without credentials (DASHBOARD_ANONYMOUS=true, loopback only)", embedded.Process.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_anonymous_opt_in_is_refused_off_loopback_and_when_clustered()
    {
        var anonymous = new Dictionary<string, string?> { ["DASHBOARD_ANONYMOUS"] = "true" };
        var directory = fixture.Cluster.Directory;
        const string Advice = "; set DASHBOARD_USERNAME and DASHBOARD_PASSWORD instead.";
        const string Prefix = "Configuration error: DASHBOARD_ANONYMOUS=true is allowed only for an embedded gateway bound to loopback (this host runs ";

        var port = FreePorts.Allocate();
        var everyInterface = await RefusedStart.ConfigurationErrorAsync(
            "gateway-dashboard-any", RepositoryLayout.GatewayDll, RefusedStart.EmbeddedGateway(anonymous), directory, $"http://0.0.0.0:{port}");
        Assert.Equal($"{Prefix}on http://0.0.0.0:{port})" + Advice, everyInterface);

        var clusteredGateway = await RefusedStart.ConfigurationErrorAsync(
            "gateway-dashboard-clustered", RepositoryLayout.GatewayDll, RefusedStart.ClusterMember(fixture.Cluster, new Dictionary<string, string?>(anonymous) { ["ALLOW_ANONYMOUS"] = "true" }, gateway: true), directory);
        Assert.Equal($"{Prefix}in clustered mode)" + Advice, clusteredGateway);

        var silo = await RefusedStart.ConfigurationErrorAsync(
            "silo-dashboard-anonymous", RepositoryLayout.SiloDll, RefusedStart.ClusterMember(fixture.Cluster, anonymous, gateway: false), directory);
        Assert.Equal($"{Prefix}in clustered mode)" + Advice, silo);
    }

    [Fact]
    public async Task Half_the_credentials_or_a_bad_flag_stop_the_host_naming_the_setting()
    {
        var directory = fixture.Cluster.Directory;
        var userOnly = await RefusedStart.ConfigurationErrorAsync(
            "gateway-dashboard-user-only", RepositoryLayout.GatewayDll,
            RefusedStart.EmbeddedGateway(new Dictionary<string, string?> { ["DASHBOARD_USERNAME"] = User }), directory);
        Assert.Equal("Configuration error: DASHBOARD_USERNAME and DASHBOARD_PASSWORD must be set together (only one is set).", userOnly);

        var badFlag = await RefusedStart.ConfigurationErrorAsync(
            "gateway-dashboard-bad-flag", RepositoryLayout.GatewayDll,
            RefusedStart.EmbeddedGateway(new Dictionary<string, string?> { ["DASHBOARD_ANONYMOUS"] = "yes" }), directory);
        Assert.Equal("Configuration error: DASHBOARD_ANONYMOUS must be 'true' or 'false' (was 'yes').", badFlag);
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}
