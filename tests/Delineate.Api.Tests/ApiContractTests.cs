using System.Net;

namespace Delineate.Api.Tests;

/// <summary>Every endpoint's success and error answers, and the headers every response carries (README, "API").</summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class ApiContractTests(SharedGatewayFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task The_root_names_the_docs_and_the_ui()
    {
        var client = Host.Client();
        using var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonElementExtensions.ParseJson(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrWhiteSpace(body.String("message")));
        Assert.Equal("/docs", body.String("docs"));
        Assert.Equal("/ui/", body.String("ui"));
    }

    [Fact]
    public async Task The_ui_link_of_the_root_serves_the_progress_page()
    {
        var client = Host.Client();
        using var response = await client.GetAsync("/ui/");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /ui/ answered {(int)response.StatusCode}: {text[..Math.Min(300, text.Length)]}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/health", true)]
    [InlineData("/health/live", false)]
    [InlineData("/health/ready", true)]
    public async Task Health_answers_healthy_with_its_checks(string path, bool checksStorage)
    {
        var client = Host.Client();
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonElementExtensions.ParseJson(text);
        Assert.Equal("healthy", body.String("status"));
        var checks = body.Field("checks");
        Assert.True(checks.ValueKind == JsonValueKind.Object, $"checks should be an object: {text}");
        foreach (var check in checks.EnumerateObject())
        {
            Assert.True(check.Value.GetString() == "ok", $"{path}: check {check.Name} is not ok: {text}");
        }

        if (checksStorage)
        {
            Assert.True(checks.TryGetProperty("storage", out _), $"{path} should report the storage check: {text}");
        }
    }

    [Fact]
    public async Task Initiate_answers_202_with_the_job_urls_and_a_location()
    {
        var client = Host.Client(TestData.NewOwner("initiate"));
        using var response = await client.PostJsonAsync("/v1/download/initiate", TestData.InitiateBody([70000, 70007, 70001]));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var body = JsonElementExtensions.ParseJson(text);
        var jobId = body.String("jobId");
        Assert.True(Guid.TryParse(jobId, out _), $"jobId is not a GUID: {text}");
        Assert.Equal("queued", body.String("status"));
        Assert.Equal(3, body.Long("totalFileIds"));
        Assert.EndsWith($"/v1/download/status/{jobId}", body.String("statusUrl"), StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith($"/v1/download/subscribe/{jobId}", body.String("subscribeUrl"), StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith($"/v1/download/events/{jobId}", body.String("eventsUrl"), StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(response.Headers.Location);
        Assert.Equal(new Uri(Host.BaseAddress, body.String("statusUrl")), new Uri(Host.BaseAddress, response.Headers.Location!));
    }

    [Fact]
    public async Task Status_before_and_after_the_end_has_the_documented_shape()
    {
        var client = Host.Client(TestData.NewOwner("status"));
        var jobId = await client.StartJobAsync([70000, 70001, 70007]);
        var early = await client.StatusAsync(jobId);
        output.WriteLine($"early: {early.GetRawText()}");
        foreach (var field in new[] { "seq", "progress", "filesDone", "filesTotal", "filesMissing", "filesFailed", "bytesDone" })
        {
            early.Long(field);
        }

        Assert.Contains(early.String("status"), new[] { "queued", "processing", "completed" });
        if (early.String("status") != "completed")
        {
            Assert.True(early.Field("result").ValueKind == JsonValueKind.Null, $"result must be null before the end: {early.GetRawText()}");
        }

        var done = await client.WaitForTerminalAsync(jobId, JobTimeout, Host.Tail);
        output.WriteLine($"done: {done.GetRawText()}");
        Assert.Equal("completed", done.String("status"));
        Assert.Equal(100, done.Long("progress"));
        Assert.Equal(3, done.Long("filesTotal"));
        Assert.Equal(1, done.Long("filesMissing"));
        var result = done.Field("result");
        Assert.Equal(2, result.Long("successCount"));
        Assert.Equal(1, result.Long("missingCount"));
        Assert.Equal(0, result.Long("failedCount"));
        Assert.False(string.IsNullOrEmpty(result.String("archiveUrl")));
        Assert.Equal(2, result.Array("downloadUrls").Count);
        Assert.True(DateTimeOffset.TryParse(result.String("expiresAt"), out var expiresAt) && expiresAt > DateTimeOffset.UtcNow, done.GetRawText());
        result.Field("message");

        var files = done.Array("files");
        Assert.Equal([70000L, 70001L, 70007L], files.Select(f => f.Long("file_id")).ToArray());
        foreach (var file in files)
        {
            var ready = file.Long("file_id") % 7 == 0;
            Assert.Equal(ready ? "ready" : "missing", file.String("status"));
            file.Long("attempts");
            file.Field("error");
            if (ready)
            {
                Assert.True(file.Long("size") > 0);
                using var download = await client.GetAsync(new Uri(Host.BaseAddress, file.String("url")));
                Assert.True(download.StatusCode == HttpStatusCode.OK, $"the file url of {file.GetRawText()} answered {(int)download.StatusCode}");
                Assert.Equal(file.Long("size"), (await download.Content.ReadAsByteArrayAsync()).Length);
            }
            else
            {
                Assert.True(file.Field("url").ValueKind == JsonValueKind.Null, $"a missing file has no url: {file.GetRawText()}");
            }
        }
    }

    public static TheoryData<string> MalformedJobIds() => new() { "abc", "not-a-guid", "01a2223b-9f57-7749-99d5", "12345", "01a2223b-9f57-7749-99d5-129d4599e88z" };

    [Theory]
    [MemberData(nameof(MalformedJobIds))]
    public async Task A_malformed_job_id_is_a_400_naming_jobId_on_every_job_endpoint(string jobId)
    {
        var client = Host.Client(TestData.NewOwner("malformed"));
        foreach (var (method, path) in JobEndpoints(jobId))
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, path));
            await ProblemAssert.IsValidationProblemAsync(response, "jobId", $"{method} {path}");
        }
    }

    [Fact]
    public async Task An_unknown_job_is_a_404_problem_on_every_job_endpoint()
    {
        var client = Host.Client(TestData.NewOwner("unknown"));
        var jobId = Guid.CreateVersion7().ToString();
        foreach (var (method, path) in JobEndpoints(jobId))
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, path));
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, $"{method} {path}");
        }
    }

    [Fact]
    public async Task Download_is_409_before_the_end_and_302_to_the_archive_after_it()
    {
        var client = Host.Client(TestData.NewOwner("download"));
        var slow = await client.StartJobAsync(TestData.AvailableIds(200));
        using (var early = await client.GetAsync($"/v1/download/{slow}"))
        {
            var problem = await ProblemAssert.IsProblemAsync(early, HttpStatusCode.Conflict, "download of an unfinished job");
            output.WriteLine($"409: {problem.GetRawText()}");
        }

        using (var cancel = await client.DeleteAsync($"/v1/download/{slow}"))
        {
            Assert.True(cancel.StatusCode == HttpStatusCode.OK, $"cancel answered {(int)cancel.StatusCode}: {await cancel.Content.ReadAsStringAsync()}");
        }

        var jobId = await client.StartJobAsync([70000, 70007]);
        var done = await client.WaitForTerminalAsync(jobId, JobTimeout, Host.Tail);
        Assert.Equal("completed", done.String("status"));
        using var redirect = await client.GetAsync($"/v1/download/{jobId}");
        Assert.True(redirect.StatusCode == HttpStatusCode.Found, $"download of a finished job answered {(int)redirect.StatusCode}: {await redirect.Content.ReadAsStringAsync()}");
        var location = new Uri(Host.BaseAddress, redirect.Headers.Location!);
        Assert.Equal(new Uri(Host.BaseAddress, done.Field("result").String("archiveUrl")), location);
        using var archive = await client.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, archive.StatusCode);
        Assert.EndsWith(".zip", archive.Content.Headers.ContentDisposition?.FileNameStar ?? archive.Content.Headers.ContentDisposition?.FileName?.Trim('"') ?? "", StringComparison.Ordinal);
        var entries = ZipContents.Read(await archive.Content.ReadAsByteArrayAsync());
        Assert.Equal(["70000.zip", "70007.zip"], entries.Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task A_blob_link_with_a_bad_or_expired_signature_is_a_403_problem()
    {
        var client = Host.Client(TestData.NewOwner("blobs"));
        var jobId = await client.StartJobAsync([70000]);
        var done = await client.WaitForTerminalAsync(jobId, JobTimeout, Host.Tail);
        var archiveUrl = new Uri(Host.BaseAddress, done.Field("result").String("archiveUrl"));
        var fileUrl = new Uri(Host.BaseAddress, done.Array("files")[0].String("url"));
        output.WriteLine(archiveUrl.ToString());
        foreach (var url in new[] { archiveUrl, fileUrl })
        {
            using (var good = await client.GetAsync(url))
            {
                Assert.True(good.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)good.StatusCode}");
            }

            var query = System.Web.HttpUtility.ParseQueryString(url.Query);
            var tampered = new[]
            {
                Rebuild(url, query, "sig", Flip(query["sig"]!)),
                Rebuild(url, query, "sig", null),
                Rebuild(url, query, "expires", "1"),
                Rebuild(url, query, "expires", (long.Parse(query["expires"]!, System.Globalization.CultureInfo.InvariantCulture) + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Rebuild(url, query, "name", "other.zip"),
                new Uri(url.ToString().Replace("70000.zip", "70007.zip", StringComparison.Ordinal).Replace(jobId, Guid.CreateVersion7().ToString(), StringComparison.OrdinalIgnoreCase)),
            };
            foreach (var bad in tampered)
            {
                using var response = await client.GetAsync(bad);
                await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, bad.PathAndQuery);
            }
        }
    }

    [Fact]
    public async Task A_burst_of_concurrent_initiates_all_succeed_with_distinct_jobs()
    {
        var start = new TaskCompletionSource();
        var requests = Enumerable.Range(0, 60).Select(async i =>
        {
            var client = Host.Client(TestData.NewOwner($"burst{i % 20}"));
            await start.Task;
            using var response = await client.PostJsonAsync("/v1/download/initiate", TestData.InitiateBody([70000 + (7 * i)]));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }).ToList();
        start.SetResult();
        var answers = await Task.WhenAll(requests);
        Assert.All(answers, a => Assert.True(a.Item1 == 202, $"{a.Item1}: {a.Item2}"));
        Assert.Equal(60, answers.Select(a => JsonElementExtensions.ParseJson(a.Item2).String("jobId")).Distinct().Count());
    }

    [Fact]
    public async Task Concurrent_cancels_of_one_job_cancel_it_once_and_never_fail()
    {
        var client = Host.Client(TestData.NewOwner("cancel-race"));
        var jobId = await client.StartJobAsync(TestData.AvailableIds(200));
        var start = new TaskCompletionSource();
        var cancels = Enumerable.Range(0, 10).Select(async _ =>
        {
            await start.Task;
            using var response = await client.DeleteAsync($"/v1/download/{jobId}");
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }).ToList();
        start.SetResult();
        var answers = await Task.WhenAll(cancels);
        output.WriteLine(string.Join('\n', answers.Select(a => $"{a.Item1} {a.Item2}")));
        Assert.All(answers, a => Assert.True(a.Item1 is 200 or 409, $"{a.Item1}: {a.Item2}"));
        Assert.Contains(answers, a => a.Item1 == 200);
        Assert.Equal("cancelled", (await client.StatusAsync(jobId)).String("status"));
    }

    [Fact]
    public async Task Cancel_stops_an_unfinished_job_and_a_finished_one_is_409()
    {
        var client = Host.Client(TestData.NewOwner("cancel"));
        var jobId = await client.StartJobAsync(TestData.AvailableIds(200));
        using (var cancel = await client.DeleteAsync($"/v1/download/{jobId}"))
        {
            var text = await cancel.Content.ReadAsStringAsync();
            Assert.True(cancel.StatusCode == HttpStatusCode.OK, $"cancel answered {(int)cancel.StatusCode}: {text}");
            Assert.Equal("cancelled", JsonElementExtensions.ParseJson(text).String("status"));
        }

        var status = await client.StatusAsync(jobId);
        Assert.Equal("cancelled", status.String("status"));
        using (var again = await client.DeleteAsync($"/v1/download/{jobId}"))
        {
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, "cancel of a cancelled job");
        }

        using (var download = await client.GetAsync($"/v1/download/{jobId}"))
        {
            await ProblemAssert.IsProblemAsync(download, HttpStatusCode.Conflict, "download of a cancelled job");
        }

        var finished = await client.StartJobAsync([70000]);
        await client.WaitForTerminalAsync(finished, JobTimeout, Host.Tail);
        using var late = await client.DeleteAsync($"/v1/download/{finished}");
        await ProblemAssert.IsProblemAsync(late, HttpStatusCode.Conflict, "cancel of a completed job");
        Assert.Equal("completed", (await client.StatusAsync(finished)).String("status"));
    }

    [Fact]
    public async Task Jobs_are_listed_newest_first_in_pages_that_follow_the_cursor()
    {
        var client = Host.Client(TestData.NewOwner("paging"));
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await client.StartJobAsync([70000 + (7 * i)]));
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            using var response = await client.GetAsync($"/v1/download/jobs?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            var page = JsonElementExtensions.ParseJson(text);
            output.WriteLine(text);
            var jobs = page.Array("jobs");
            Assert.True(jobs.Count <= 2, $"limit=2 returned {jobs.Count} jobs: {text}");
            Assert.Equal(5, page.Long("total"));
            foreach (var job in jobs)
            {
                seen.Add(job.String("jobId"));
                Assert.Equal(1, job.Long("filesTotal"));
                Assert.EndsWith(job.String("jobId"), job.String("statusUrl"), StringComparison.OrdinalIgnoreCase);
                job.String("status");
                job.String("createdAt");
                job.String("updatedAt");
            }

            cursor = page.OptionalField("nextCursor")?.GetString();
            pages++;
            Assert.True(pages <= 5, $"the cursor does not end: {text}");
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(created.AsEnumerable().Reverse().Select(id => id.ToLowerInvariant()), seen.Select(id => id.ToLowerInvariant()));
    }

    [Fact]
    public async Task Jobs_filter_by_status_and_show_only_the_callers_jobs()
    {
        var owner = TestData.NewOwner("filter");
        var client = Host.Client(owner);
        var completed = await client.StartJobAsync([70000]);
        var failed = await client.StartJobAsync([70001]);
        var running = await client.StartJobAsync(TestData.AvailableIds(200));
        await client.WaitForTerminalAsync(completed, JobTimeout, Host.Tail);
        Assert.Equal("failed", (await client.WaitForTerminalAsync(failed, JobTimeout, Host.Tail)).String("status"));

        Assert.Equal([completed], await ListAsync(client, "completed"));
        Assert.Equal([failed], await ListAsync(client, "failed"));
        Assert.Equal([running], await ListAsync(client, "processing"));
        Assert.Equal([running], await ListAsync(client, "PROCESSING"));
        Assert.Empty(await ListAsync(client, "cancelled"));
        Assert.Equal([running, failed, completed], await ListAsync(client, null));

        var stranger = Host.Client(TestData.NewOwner("stranger"));
        Assert.Empty(await ListAsync(stranger, null));
        using (var cancel = await client.DeleteAsync($"/v1/download/{running}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        Assert.Equal([running], await ListAsync(client, "cancelled"));
    }

    [Theory]
    [InlineData("status=bogus", "status")]
    [InlineData("status=1", "status")]
    [InlineData("status=processing,completed", "status")]
    [InlineData("status=queued,processing", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=99999999999999999999", "limit")]
    [InlineData("cursor=garbage", "cursor")]
    public async Task A_bad_jobs_query_is_a_400_naming_the_parameter(string query, string field)
    {
        var client = Host.Client(TestData.NewOwner("badquery"));
        using var response = await client.GetAsync($"/v1/download/jobs?{query}");
        await ProblemAssert.IsValidationProblemAsync(response, field, query);
    }

    [Theory]
    [InlineData("GET", "/nope")]
    [InlineData("GET", "/v1/nope")]
    [InlineData("GET", "/v1/download/status/01a2223b-9f57-7749-99d5-129d4599e885/more")]
    [InlineData("POST", "/v1/download/nothing/here")]
    public async Task An_unknown_route_is_a_404_problem(string method, string path)
    {
        var client = Host.Client();
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("PUT", "/v1/download/initiate")]
    [InlineData("PATCH", "/v1/download/initiate")]
    [InlineData("PUT", "/v1/download/start")]
    [InlineData("POST", "/v1/download/jobs")]
    [InlineData("POST", "/")]
    [InlineData("PATCH", "/v1/download/jobs")]
    [InlineData("POST", "/v1/download/status/01a2223b-9f57-7749-99d5-129d4599e885")]
    [InlineData("PUT", "/v1/download/check")]
    public async Task A_wrong_method_is_a_405_problem(string method, string path)
    {
        var client = Host.Client();
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Every_response_carries_the_security_request_id_and_rate_limit_headers()
    {
        var client = Host.Client(TestData.NewOwner("headers"));
        var requests = new List<Func<HttpRequestMessage>>
        {
            () => new HttpRequestMessage(HttpMethod.Get, "/"),
            () => new HttpRequestMessage(HttpMethod.Get, "/health"),
            () => new HttpRequestMessage(HttpMethod.Post, "/v1/download/initiate") { Content = new StringContent(TestData.InitiateBody([70000]), System.Text.Encoding.UTF8, "application/json") },
            () => new HttpRequestMessage(HttpMethod.Post, "/v1/download/initiate") { Content = new StringContent("{", System.Text.Encoding.UTF8, "application/json") },
            () => new HttpRequestMessage(HttpMethod.Post, "/v1/download/initiate") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "text/plain") },
            () => new HttpRequestMessage(HttpMethod.Get, $"/v1/download/status/{Guid.CreateVersion7()}"),
            () => new HttpRequestMessage(HttpMethod.Get, "/v1/download/jobs"),
            () => new HttpRequestMessage(HttpMethod.Get, "/nope"),
            () => new HttpRequestMessage(HttpMethod.Put, "/v1/download/initiate"),
            () => new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json"),
        };
        foreach (var create in requests)
        {
            using var request = create();
            var what = $"{request.Method} {request.RequestUri}";
            using var response = await client.SendAsync(request);
            output.WriteLine($"{what} -> {(int)response.StatusCode}");
            var requestId = Header(response, "X-Request-ID");
            Assert.True(Guid.TryParse(requestId, out _), $"{what}: X-Request-ID should be a new UUID, was '{requestId}'");
            Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
            Assert.False(string.IsNullOrEmpty(Header(response, "X-Frame-Options")), $"{what}: no X-Frame-Options");
            Assert.StartsWith("max-age=", Header(response, "Strict-Transport-Security") ?? "", StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(Header(response, "Referrer-Policy")), $"{what}: no Referrer-Policy");
            Assert.True(int.TryParse(Header(response, "RateLimit-Limit"), out var limit) && limit > 0, $"{what}: RateLimit-Limit");
            Assert.True(int.TryParse(Header(response, "RateLimit-Remaining"), out var remaining) && remaining >= 0 && remaining <= limit, $"{what}: RateLimit-Remaining");
            Assert.True(int.TryParse(Header(response, "RateLimit-Reset"), out var reset) && reset is >= 0 and <= 60, $"{what}: RateLimit-Reset '{Header(response, "RateLimit-Reset")}'");
        }
    }

    [Fact]
    public async Task RateLimit_remaining_goes_down_with_each_request()
    {
        // A loopback address of its own is a rate-limit partition of its own.
        var client = Host.Client(source: IPAddress.Parse("127.0.0.11"));
        var remaining = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync("/v1/download/jobs");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(GatewayEnvironment.UnreachableRateLimit, Header(response, "RateLimit-Limit"));
            remaining.Add(int.Parse(Header(response, "RateLimit-Remaining")!));
        }

        output.WriteLine(string.Join(", ", remaining));
        Assert.Equal(Enumerable.Range(0, 4).Select(i => remaining[0] - i), remaining);
        Assert.True(remaining[0] == int.Parse(GatewayEnvironment.UnreachableRateLimit) - 1, $"the first request of a fresh partition should leave limit - 1, left {remaining[0]}");
    }

    [Theory]
    [InlineData("abc-123")]
    [InlineData("req_2026.11.28:42")]
    [InlineData("0193a4b2-7c1d-7e8f-9a0b-1c2d3e4f5a6b")]
    public async Task A_sane_request_id_is_echoed_in_the_header_and_the_problem(string requestId)
    {
        var client = Host.Client();
        foreach (var path in new[] { "/", "/nope" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-Request-ID", requestId);
            using var response = await client.SendAsync(request);
            Assert.Equal(requestId, Header(response, "X-Request-ID"));
            if (path == "/nope")
            {
                var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
                Assert.Equal(requestId, problem.String("requestId"));
            }
        }
    }

    public static TheoryData<string> InsaneRequestIds() => new()
    {
        new string('a', 300),
        "has space",
        "<script>alert(1)</script>",
        "a;b",
        "quote\"d",
        "tab\there",
        "semi;colon,comma",
    };

    [Theory]
    [MemberData(nameof(InsaneRequestIds))]
    public async Task An_insane_request_id_is_replaced_by_a_new_uuid(string requestId)
    {
        var client = Host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/nope");
        Assert.True(request.Headers.TryAddWithoutValidation("X-Request-ID", requestId));
        using var response = await client.SendAsync(request);
        var echoed = Header(response, "X-Request-ID");
        Assert.True(Guid.TryParse(echoed, out _), $"'{requestId}' came back as '{echoed}'; expected a new UUID");
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(echoed, problem.String("requestId"));
    }

    [Fact]
    public async Task Responses_carry_cors_headers_for_an_origin_and_preflight_is_answered()
    {
        var client = Host.Client(TestData.NewOwner("cors"));
        foreach (var (method, path, body) in new[] { ("GET", "/", null), ("POST", "/v1/download/initiate", "{"), ("GET", "/nope", null), ("GET", "/v1/download/jobs", null) })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            request.Headers.Add("Origin", "http://example.com");
            if (body is not null)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);
            Assert.True(Header(response, "Access-Control-Allow-Origin") is "*" or "http://example.com",
                $"{method} {path} ({(int)response.StatusCode}): Access-Control-Allow-Origin was '{Header(response, "Access-Control-Allow-Origin")}'");
            var exposed = Header(response, "Access-Control-Expose-Headers") ?? "";
            Assert.Contains("X-Request-ID", exposed, StringComparison.OrdinalIgnoreCase);
        }

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/download/initiate");
        preflight.Headers.Add("Origin", "http://example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,idempotency-key,x-user-id");
        using var answer = await client.SendAsync(preflight);
        Assert.True(answer.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK, $"preflight answered {(int)answer.StatusCode}");
        Assert.True(Header(answer, "Access-Control-Allow-Origin") is "*" or "http://example.com");
        Assert.Contains("POST", Header(answer, "Access-Control-Allow-Methods") ?? "", StringComparison.OrdinalIgnoreCase);
        var allowedHeaders = Header(answer, "Access-Control-Allow-Headers") ?? "";
        Assert.Contains("content-type", allowedHeaders, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("idempotency-key", allowedHeaders, StringComparison.OrdinalIgnoreCase);
    }

    private static Uri Rebuild(Uri url, System.Collections.Specialized.NameValueCollection query, string name, string? value)
    {
        var pairs = query.AllKeys.Where(k => k is not null && k != name).Select(k => $"{k}={Uri.EscapeDataString(query[k]!)}").ToList();
        if (value is not null)
        {
            pairs.Add($"{name}={Uri.EscapeDataString(value)}");
        }

        return new UriBuilder(url) { Query = string.Join('&', pairs) }.Uri;
    }

    private static string Flip(string signature) => (signature[0] == '0' ? "1" : "0") + signature[1..];

    private static IEnumerable<(HttpMethod Method, string Path)> JobEndpoints(string jobId) =>
    [
        (HttpMethod.Get, $"/v1/download/status/{jobId}"),
        (HttpMethod.Get, $"/v1/download/subscribe/{jobId}"),
        (HttpMethod.Get, $"/v1/download/events/{jobId}"),
        (HttpMethod.Get, $"/v1/download/{jobId}"),
        (HttpMethod.Delete, $"/v1/download/{jobId}"),
    ];

    private static async Task<string[]> ListAsync(HttpClient client, string? status)
    {
        using var response = await client.GetAsync($"/v1/download/jobs?limit=100{(status is null ? "" : $"&status={status}")}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"jobs?status={status} answered {(int)response.StatusCode}: {text}");
        return JsonElementExtensions.ParseJson(text).Array("jobs").Select(j => j.String("jobId")).ToArray();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues)
        : null;
}
