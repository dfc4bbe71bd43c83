using System.Net;
using System.Net.WebSockets;
using System.Text;

namespace Delineate.Api.Tests;

/// <summary>
/// In <c>Auth:Mode</c> none the owner is the <c>X-User-Id</c> header. A malformed one is a 400
/// naming the header: it used to become "anonymous" silently, so a client with a typo saw (and
/// created) jobs under the shared anonymous owner.
/// </summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class OwnerHeaderTests(SharedGatewayFixture fixture)
{
    public static TheoryData<string, string> BadUserIds() => new()
    {
        { "too long", new string('u', 129) },
        { "inner space", "alice smith" },
        { "inner tab", "alice\tsmith" },
    };

    [Theory]
    [MemberData(nameof(BadUserIds))]
    public async Task A_malformed_user_id_is_a_problem_naming_the_header(string why, string userId)
    {
        using var client = fixture.Host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/download/initiate")
        {
            Content = new StringContent("""{"file_ids":[70000]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-User-Id", userId);

        using var response = await client.SendAsync(request);

        await ProblemAssert.IsValidationProblemAsync(response, "X-User-Id", why);
    }

    [Fact]
    public async Task A_malformed_user_id_is_refused_on_reads_too()
    {
        using var client = fixture.Host.Client();
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-User-Id", "alice smith");

        using var response = await client.GetAsync("/v1/download/jobs");

        await ProblemAssert.IsValidationProblemAsync(response, "X-User-Id", "GET /jobs");
    }

    [Fact]
    public async Task A_websocket_offering_a_malformed_user_subprotocol_is_refused()
    {
        using var owner = fixture.Host.Client(TestData.NewOwner("ws-owner"));
        var job = await owner.StartJobAsync([70000]);
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("delineate.v1");
        socket.Options.AddSubProtocol("delineate.user.%%%");
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(EventSocket.UriFor(fixture.Host.BaseAddress, job), CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
    }

    [Fact]
    public async Task A_well_formed_user_id_still_owns_its_jobs()
    {
        var name = TestData.NewOwner("owner-ok");
        using var client = fixture.Host.Client(name);
        var job = await client.StartJobAsync([70000]);

        using var response = await client.GetAsync($"/v1/download/status/{job}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
