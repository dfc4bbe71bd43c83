using System.Globalization;
using System.Net;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// In <c>Auth:Mode</c> none a client names its own owner, so changing <c>X-User-Id</c> would get round
/// the per-owner cap: jobs are also limited per client address (<c>MAX_JOBS_PER_ADDRESS_PER_MINUTE</c>).
/// Past it, a 429 problem with <c>Retry-After</c>; other addresses are unaffected.
/// </summary>
public sealed class AddressJobLimitTests(AddressJobLimitTests.Fixture fixture) : IClassFixture<AddressJobLimitTests.Fixture>
{
    private const int PerMinute = 4;

    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task Rotating_the_user_id_from_one_address_is_limited_per_address_and_another_address_is_not()
    {
        var address = IPAddress.Parse("127.0.0.51");
        for (var i = 0; i < PerMinute; i++)
        {
            await Host.Client(TestData.NewOwner("rotating"), address).StartJobAsync([70000]);
        }

        var rotated = Host.Client(TestData.NewOwner("rotating"), address);
        using (var refused = await rotated.PostJsonAsync("/v1/download/initiate", TestData.InitiateBody([70000])))
        {
            var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests, $"job {PerMinute + 1} from one address in a minute");
            Assert.Equal("Too many new jobs", problem.GetProperty("title").GetString());
            var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 60);
        }
        using (var refusedStart = await rotated.PostJsonAsync("/v1/download/start", """{"file_id":70000}"""))
        {
            await ProblemAssert.IsProblemAsync(refusedStart, HttpStatusCode.TooManyRequests, "the old start call from the same address");
            Assert.True(refusedStart.Headers.Contains("Retry-After"), "a 429 for the address limit carries Retry-After");
        }
        Assert.Equal(0, JsonElementExtensions.ParseJson(await rotated.GetStringAsync("/v1/download/jobs")).GetProperty("total").GetInt32());

        var elsewhere = await Host.Client(TestData.NewOwner("rotating"), IPAddress.Parse("127.0.0.52")).StartJobAsync([70000]);
        Assert.False(string.IsNullOrEmpty(elsewhere));
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayHost? _host;

        public GatewayHost Host => _host ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync(
            "api-address-job-limit",
            new Dictionary<string, string?> { ["MAX_JOBS_PER_ADDRESS_PER_MINUTE"] = PerMinute.ToString(CultureInfo.InvariantCulture) });

        public async Task DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
        }
    }
}
