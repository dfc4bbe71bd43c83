using System.Net;
using System.Text;

namespace Delineate.Api.Tests;

/// <summary>Bodies and content types of the JSON endpoints: every bad one is a problem, never a 5xx.</summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class InitiateValidationTests(SharedGatewayFixture fixture)
{
    private readonly HttpClient _client = fixture.Host.Client(TestData.NewOwner("validation"));

    public static TheoryData<string, string, string> BadInitiateBodies() => new()
    {
        // why, body, the field errors must name
        { "empty list", """{"file_ids":[]}""", "file_ids" },
        { "id below range", """{"file_ids":[9999]}""", "file_ids" },
        { "id far below range", """{"file_ids":[5]}""", "file_ids" },
        { "negative id", """{"file_ids":[-70000]}""", "file_ids" },
        { "zero", """{"file_ids":[0]}""", "file_ids" },
        { "id above range", """{"file_ids":[100000001]}""", "file_ids" },
        { "id above int32", """{"file_ids":[4294967296]}""", "file_ids" },
        { "huge integer", """{"file_ids":[99999999999999999999999999]}""", "file_ids" },
        { "huge exponent", """{"file_ids":[1e400]}""", "file_ids" },
        { "fraction", """{"file_ids":[70000.5]}""", "file_ids" },
        { "one good one bad", """{"file_ids":[70000,5]}""", "file_ids" },
        { "1001 ids", TestData.InitiateBody(Enumerable.Range(10000, 1001)), "file_ids" },
        { "string id", """{"file_ids":["abc"]}""", "file_ids" },
        { "numeric string id", """{"file_ids":["70000"]}""", "file_ids" },
        { "boolean id", """{"file_ids":[true]}""", "file_ids" },
        { "null id", """{"file_ids":[null]}""", "file_ids" },
        { "nested array", """{"file_ids":[[70000]]}""", "file_ids" },
        { "object id", """{"file_ids":[{"id":70000}]}""", "file_ids" },
        { "file_ids a string", """{"file_ids":"70000"}""", "file_ids" },
        { "file_ids a number", """{"file_ids":70000}""", "file_ids" },
        { "file_ids an object", """{"file_ids":{"0":70000}}""", "file_ids" },
        { "file_ids null", """{"file_ids":null}""", "file_ids" },
        { "file_ids missing", """{}""", "file_ids" },
        { "file_ids misspelt", """{"fileIds":[70000]}""", "file_ids" },
        { "bare string", "\"abc\"", "body" },
        { "bare number", "70000", "body" },
        { "bare true", "true", "body" },
        { "null", "null", "body" },
        { "bare array", "[70000]", "body" },
        { "truncated json", """{"file_ids":[70000""", "body" },
        { "unquoted key", """{file_ids:[70000]}""", "body" },
        { "trailing comma", """{"file_ids":[70000,]}""", "body" },
        { "single quotes", """{'file_ids':[70000]}""", "body" },
        { "two documents", """{"file_ids":[70000]} {"file_ids":[70007]}""", "body" },
        { "empty body", "", "body" },
        { "whitespace body", "   \n ", "body" },
        { "comment", """/* hi */ {"file_ids":[70000]}""", "body" },
        { "NaN", """{"file_ids":[NaN]}""", "body" },
        { "deeply nested", "{\"file_ids\":" + new string('[', 30000) + new string(']', 30000) + "}", "body" },
    };

    [Theory]
    [MemberData(nameof(BadInitiateBodies))]
    public async Task A_bad_initiate_body_is_a_400_naming_the_field(string why, string body, string field)
    {
        using var response = await _client.PostJsonAsync("/v1/download/initiate", body);
        await ProblemAssert.IsValidationProblemAsync(response, field, why);
    }

    public static TheoryData<string, string, string> BadSingleFileBodies() => new()
    {
        { "string", """{"file_id":"70000"}""", "file_id" },
        { "below range", """{"file_id":9999}""", "file_id" },
        { "above range", """{"file_id":100000001}""", "file_id" },
        { "fraction", """{"file_id":70000.5}""", "file_id" },
        { "array", """{"file_id":[70000]}""", "file_id" },
        { "null", """{"file_id":null}""", "file_id" },
        { "missing", """{}""", "file_id" },
        { "huge", """{"file_id":1e999}""", "file_id" },
        { "bare array", """[70000]""", "body" },
        { "null body", "null", "body" },
        { "invalid json", """{"file_id":""", "body" },
    };

    [Theory]
    [MemberData(nameof(BadSingleFileBodies))]
    public async Task A_bad_check_or_start_body_is_a_400_naming_the_field(string why, string body, string field)
    {
        foreach (var path in new[] { "/v1/download/check", "/v1/download/start" })
        {
            using var response = await _client.PostJsonAsync(path, body);
            await ProblemAssert.IsValidationProblemAsync(response, field, $"{path}: {why}");
        }
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/octet-stream")]
    public async Task A_body_that_is_not_json_is_a_415_problem(string contentType)
    {
        foreach (var path in new[] { "/v1/download/initiate", "/v1/download/check", "/v1/download/start" })
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"file_ids":[70000],"file_id":70000}"""));
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            using var response = await _client.PostAsync(path, content);
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, contentType);
        }
    }

    [Fact]
    public async Task A_body_without_a_content_type_is_a_415_problem()
    {
        foreach (var path in new[] { "/v1/download/initiate", "/v1/download/check", "/v1/download/start" })
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"file_ids":[70000]}"""));
            using var response = await _client.PostAsync(path, content);
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "no Content-Type");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_64_KiB_is_a_413_problem(bool withContentLength)
    {
        // Valid JSON, only too long: 70000 repeated (duplicates are allowed and dropped) past 64 KiB.
        var body = TestData.InitiateBody(Enumerable.Repeat(70000, 14000));
        Assert.True(Encoding.UTF8.GetByteCount(body) > 64 * 1024);
        foreach (var path in new[] { "/v1/download/initiate", "/v1/download/check", "/v1/download/start" })
        {
            using HttpContent content = withContentLength
                ? new StringContent(body, Encoding.UTF8, "application/json")
                : new UnsizedContent(Encoding.UTF8.GetBytes(body), "application/json");
            using var response = await _client.PostAsync(path, content);
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, $"Content-Length sent: {withContentLength}");
        }
    }

    [Fact]
    public async Task A_body_of_exactly_64_KiB_is_not_too_large()
    {
        // {"file_ids":[70000]} padded with spaces to exactly 65536 bytes: whitespace is valid JSON.
        var core = """{"file_ids":[70000]}""";
        var body = core + new string(' ', (64 * 1024) - core.Length);
        using var response = await _client.PostJsonAsync("/v1/download/initiate", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"a 65536-byte body answered {(int)response.StatusCode}: {text}");
    }

    [Fact]
    public async Task The_boundaries_of_the_id_range_and_of_the_list_length_are_accepted()
    {
        var body = await _client.InitiateAsync([10000, 100000000]);
        Assert.Equal(2, body.Long("totalFileIds"));

        var thousand = await _client.InitiateAsync(Enumerable.Range(10000, 1000));
        Assert.Equal(1000, thousand.Long("totalFileIds"));
        using var cancel = await _client.DeleteAsync($"/v1/download/{thousand.String("jobId")}");
    }

    [Fact]
    public async Task Duplicate_ids_are_dropped_and_the_order_is_kept()
    {
        var body = await _client.InitiateAsync([70014, 70000, 70014, 70007, 70000]);
        Assert.Equal(3, body.Long("totalFileIds"));
        var status = await _client.StatusAsync(body.String("jobId"));
        Assert.Equal([70014L, 70000L, 70007L], status.Array("files").Select(f => f.Long("file_id")).ToArray());
    }

    [Fact]
    public async Task Content_type_parameters_and_case_do_not_matter()
    {
        foreach (var contentType in new[] { "application/json; charset=utf-8", "Application/JSON", "application/problem+json", "application/vnd.api+json" })
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"file_ids":[70000]}"""));
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            using var response = await _client.PostAsync("/v1/download/initiate", content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"Content-Type {contentType} answered {(int)response.StatusCode}: {text}");
        }
    }

    /// <summary>Content without a length: HttpClient sends it chunked.</summary>
    private sealed class UnsizedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public UnsizedContent(byte[] bytes, string contentType)
        {
            _bytes = bytes;
            Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
