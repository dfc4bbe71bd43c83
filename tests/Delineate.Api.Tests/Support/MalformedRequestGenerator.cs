using System.Globalization;
using System.Text;

namespace Delineate.Api.Tests.Support;

/// <summary>
/// Generates malformed (and now and then valid) requests across the gateway's endpoints from a seeded
/// <see cref="Random"/>: random JSON shapes, wrong types, huge numbers, unicode, broken UTF-8, odd
/// headers, bad ids, odd methods, odd content types and random paths. Never <c>sentry_test</c>.
/// </summary>
public sealed class MalformedRequestGenerator(int seed, IReadOnlyList<string> knownJobIds)
{
    private static readonly string[] JsonEndpoints = ["/v1/download/initiate", "/v1/download/check", "/v1/download/start"];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "FOO", "PROPFIND", "get"];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "application/json; charset=utf-16", "application/json; charset=latin1",
        "APPLICATION/JSON", "application/problem+json", "application/vnd.x+json", "text/json", "text/plain", "text/html",
        "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "application/octet-stream",
        "application/json;", "application/json; foo", "application/", "/json", "json", "*/*", "application/*", ";;;", "",
        "application/json; charset=\"\"", "application/json; charset=nonsense", "application/json\t", "a/b; c=d; e",
    ];

    private static readonly string[] Strings =
    [
        "", " ", "abc", "70000", "0x11170", "null", "true", "NaN", "Infinity", "-Infinity", "1e400",
        "é", "日本語", "😀", "👩‍👩‍👧‍👦", "\u202Etxt.exe", "a\u0301", "\u200B", "\uFEFF", "\\", "\"", "\u0000", "\u001F",
        "<script>alert(1)</script>", "'; DROP TABLE jobs; --", "../../etc/passwd", "%00", "${jndi:ldap://x}", "{{7*7}}",
    ];

    private static readonly string[] NumberTexts =
    [
        "0", "-0", "1", "-1", "9999", "10000", "70000", "70001", "100000000", "100000001", "2147483647", "2147483648",
        "-2147483649", "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "99999999999999999999999999999999", "1e400", "-1e400", "1e-400", "7e4", "7E+4", "70000.0", "70000.5", "0.1",
        "1.7976931348623157e308", "4.9e-324", "-0.0", "123456789012345678901234567890e-20",
    ];

    private static readonly string[] BrokenJson =
    [
        "{", "}", "[", "]", "{\"file_ids\":", "{\"file_ids\":[", "{\"file_ids\":[70000", "{\"file_ids\":[70000,]}", "{\"file_ids\":[,70000]}",
        "{file_ids:[70000]}", "{'file_ids':[70000]}", "{\"file_ids\" [70000]}", "{\"file_ids\":[70000]}}", "{\"file_ids\":[70000]} x",
        "{\"file_ids\":[0x11170]}", "{\"file_ids\":[070000]}", "{\"file_ids\":[+70000]}", "{\"file_ids\":[.5]}", "{\"file_ids\":[70000.]}",
        "{\"file_ids\":[NaN]}", "{\"file_ids\":[Infinity]}", "{\"file_ids\":[undefined]}", "{\"file_ids\":[70000] // c\n}",
        "/* */{\"file_id\":70000}", "{\"file_id\":70000,}", "{\"a\":\"\\x41\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\uZZZZ\"}", "{\"a\":\"tab\there\"}",
        "{\"a\":\"\n\"}", "\"unterminated", "nul", "tru", "[[[[[[[[[[[[[[[[[[[[", "{\"file_ids\":[70000]}\u0000", "\u0000",
    ];

    private static readonly byte[][] BrokenUtf8 =
    [
        [0xC3, 0x28], [0xA0, 0xA1], [0xE2, 0x28, 0xA1], [0xE2, 0x82, 0x28], [0xF0, 0x28, 0x8C, 0xBC], [0xF0, 0x90, 0x28, 0xBC],
        [0xF8, 0xA1, 0xA1, 0xA1, 0xA1], [0xFC, 0xA1, 0xA1, 0xA1, 0xA1, 0xA1], [0xFF], [0xFE, 0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF],
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xEF, 0xBB, 0xBF], [0xC2], [0xE2, 0x82],
    ];

    private static readonly string[] QueryKeys = ["after", "status", "limit", "cursor", "name", "expires", "sig", "file_id", "file_ids", "x", "", "a[]", "__proto__"];

    private readonly Random _random = new(seed);

    public GeneratedRequest Next()
    {
        return _random.Next(10) switch
        {
            0 or 1 => JsonBodyRequest(RandomJsonDocument()),
            2 => JsonBodyRequest(Pick(BrokenJson)),
            3 => JsonBodyRequest(FileIdsShape()),
            4 => BrokenUtf8Request(),
            5 => OddContentTypeRequest(),
            6 => JobIdRequest(),
            7 => RandomPathRequest(),
            8 => OddMethodRequest(),
            _ => OddHeadersRequest(),
        };
    }

    private GeneratedRequest JsonBodyRequest(string json, string? description = null)
    {
        var path = Pick(JsonEndpoints);
        var bytes = Encoding.UTF8.GetBytes(json);
        return new GeneratedRequest("POST", path, bytes, [new("Content-Type", "application/json")], description ?? $"POST {path} {Snippet(json)}");
    }

    /// <summary>Bodies that look like the real ones, with something wrong (or nothing) in them.</summary>
    private string FileIdsShape()
    {
        var key = _random.Next(6) switch
        {
            0 => "file_id",
            1 => "FILE_IDS",
            2 => "file_ids ",
            3 => RandomString(),
            _ => "file_ids",
        };
        var items = Enumerable.Range(0, _random.Next(5) == 0 ? _random.Next(990, 1010) : _random.Next(0, 6))
            .Select(_ => _random.Next(4) == 0 ? RandomJson(1) : Pick(NumberTexts));
        var value = _random.Next(5) == 0 ? RandomJson(2) : $"[{string.Join(',', items)}]";
        var extra = _random.Next(3) == 0 ? $",{Quote(RandomString())}:{RandomJson(2)}" : "";
        var duplicate = _random.Next(8) == 0 ? $",\"{key}\":{RandomJson(1)}" : "";
        return $"{{{Quote(key)}:{value}{extra}{duplicate}}}";
    }

    private GeneratedRequest BrokenUtf8Request()
    {
        var path = Pick(JsonEndpoints);
        var broken = Pick(BrokenUtf8);
        var template = _random.Next(4) switch
        {
            0 => "{\"file_ids\":[70000,\"#\"]}",
            1 => "{\"#\":[70000]}",
            2 => "{\"file_ids\":[70000]#}",
            _ => "#{\"file_id\":70000}",
        };
        var parts = template.Split('#');
        var bytes = Encoding.UTF8.GetBytes(parts[0]).Concat(broken).Concat(Encoding.UTF8.GetBytes(parts[1])).ToArray();
        if (_random.Next(4) == 0)
        {
            bytes = Enumerable.Range(0, _random.Next(1, 64)).Select(_ => (byte)_random.Next(256)).ToArray();
        }

        return new GeneratedRequest("POST", path, bytes, [new("Content-Type", "application/json")], $"POST {path} broken UTF-8 {Convert.ToHexString(bytes[..Math.Min(bytes.Length, 40)])}");
    }

    private GeneratedRequest OddContentTypeRequest()
    {
        var path = Pick(JsonEndpoints);
        var contentType = Pick(ContentTypes);
        var body = _random.Next(3) switch
        {
            0 => """{"file_ids":[70000],"file_id":70000}""",
            1 => "file_ids=70000",
            _ => RandomJsonDocument(),
        };
        if (_random.Next(10) == 0)
        {
            body = "{\"file_ids\":[" + string.Join(',', Enumerable.Repeat("70000", 14000)) + "]}";
        }

        List<KeyValuePair<string, string>> headers = contentType.Length == 0 ? [] : [new("Content-Type", contentType)];
        return new GeneratedRequest("POST", path, Encoding.UTF8.GetBytes(body), headers, $"POST {path} Content-Type '{contentType}' {Snippet(body)}");
    }

    private GeneratedRequest JobIdRequest()
    {
        var id = _random.Next(6) switch
        {
            0 when knownJobIds.Count > 0 => Pick(knownJobIds),
            1 => Guid.NewGuid().ToString(_random.Next(2) == 0 ? "N" : "B"),
            2 => Guid.Empty.ToString(),
            3 => Uri.EscapeDataString(RandomString()),
            4 => new string('a', _random.Next(100, 3000)),
            _ => Pick(["abc", "..", ".", "%2e%2e", "%2F", "%00", "%ZZ", "-1", "1", "0193a4b2-7c1d-7e8f-9a0b-1c2d3e4f5a6", "0193A4B2-7C1D-7E8F-9A0B-1C2D3E4F5A6B", "%20", "null", "undefined", "%E2%80%AE", "%C3%28"]),
        };
        var (method, template) = Pick(new[]
        {
            ("GET", "/v1/download/status/{0}"), ("GET", "/v1/download/events/{0}"), ("GET", "/v1/download/subscribe/{0}"),
            ("GET", "/v1/download/{0}"), ("DELETE", "/v1/download/{0}"), ("GET", "/v1/blobs/{0}"), ("GET", "/v1/blobs/exports/{0}.zip"),
        });
        var path = string.Format(CultureInfo.InvariantCulture, template, id) + RandomQuery();
        var headers = new List<KeyValuePair<string, string>>();
        if (_random.Next(3) == 0)
        {
            headers.Add(new("Last-Event-ID", Pick(["-1", "0", "1", "abc", "99999999999999999999", " 5", "5 ", "1.0", "", "𝟙"])));
        }

        if (_random.Next(4) == 0)
        {
            headers.Add(new("Upgrade", "websocket"));
            headers.Add(new("Connection", "Upgrade"));
            headers.Add(new("Sec-WebSocket-Version", Pick(["13", "8", "x"])));
        }

        return new GeneratedRequest(method, path, null, headers, $"{method} {Snippet(path)} {string.Join(' ', headers.Select(h => $"{h.Key}:{h.Value}"))}");
    }

    private GeneratedRequest RandomPathRequest()
    {
        var segments = Enumerable.Range(0, _random.Next(1, 6)).Select(_ => _random.Next(4) switch
        {
            0 => Pick(["v1", "download", "status", "events", "subscribe", "jobs", "initiate", "check", "start", "blobs", "health", "ui", "docs", "openapi", "metrics", "v1.json"]),
            1 => Uri.EscapeDataString(RandomString()),
            2 => Pick(["..", ".", "%2e%2e", "%2f", "~", "%00", "%25", "%ZZ", "a;b", "*", "index.html", "favicon.ico", ".env", ".git"]),
            _ => _random.Next().ToString(CultureInfo.InvariantCulture),
        });
        var method = _random.Next(3) == 0 ? Pick(Methods) : "GET";
        var path = "/" + string.Join('/', segments) + (_random.Next(4) == 0 ? "/" : "") + RandomQuery();
        var body = method is "POST" or "PUT" or "PATCH" ? Encoding.UTF8.GetBytes(RandomJsonDocument()) : null;
        return new GeneratedRequest(method, path, body, body is null ? [] : [new("Content-Type", Pick(ContentTypes))], $"{method} {Snippet(path)}");
    }

    private GeneratedRequest OddMethodRequest()
    {
        var method = Pick(Methods);
        var path = _random.Next(3) switch
        {
            0 => Pick(JsonEndpoints),
            1 => Pick(["/", "/health", "/health/live", "/health/ready", "/v1/download/jobs", "/openapi/v1.json", "/docs", "/metrics"]),
            _ => $"/v1/download/{(knownJobIds.Count > 0 && _random.Next(2) == 0 ? Pick(knownJobIds) : Guid.NewGuid().ToString())}",
        };
        var body = _random.Next(2) == 0 ? Encoding.UTF8.GetBytes(RandomJsonDocument()) : null;
        var headers = new List<KeyValuePair<string, string>>();
        if (body is not null)
        {
            headers.Add(new("Content-Type", Pick(ContentTypes)));
        }

        if (method == "OPTIONS" && _random.Next(2) == 0)
        {
            headers.Add(new("Origin", Pick(["http://example.com", "null", "*", "file://", "http://" + new string('a', 300)])));
            headers.Add(new("Access-Control-Request-Method", Pick(Methods)));
            headers.Add(new("Access-Control-Request-Headers", Pick(["content-type", "x-weird, idempotency-key", "", "*", "a b"])));
        }

        return new GeneratedRequest(method, path, body, headers, $"{method} {Snippet(path)}");
    }

    private GeneratedRequest OddHeadersRequest()
    {
        var inner = _random.Next(3) switch
        {
            0 => JsonBodyRequest(_random.Next(2) == 0 ? """{"file_ids":[70000]}""" : RandomJsonDocument()),
            1 => new GeneratedRequest("GET", "/v1/download/jobs" + RandomQuery(), null, [], "GET /v1/download/jobs"),
            _ => new GeneratedRequest("GET", "/", null, [], "GET /"),
        };
        var headers = inner.Headers.ToList();
        foreach (var _ in Enumerable.Range(0, _random.Next(1, 5)))
        {
            var name = Pick(["X-Request-ID", "X-User-Id", "Idempotency-Key", "Accept", "Origin", "X-API-Key", "Authorization", "Content-Encoding", "Accept-Encoding", "Accept-Charset", "Expect", "X-Forwarded-For", "X-Forwarded-Proto", "Cookie", "Range", "If-None-Match", "X-" + _random.Next(1000)]);
            var value = _random.Next(4) switch
            {
                0 => RandomHeaderText(_random.Next(0, 40)),
                1 => new string('x', _random.Next(200, 8000)),
                2 => Pick(["gzip", "br", "deflate", "identity", "*", "100-continue", "bytes=0-1", "Bearer ", "Bearer x", "text/event-stream", "application/problem+json", "1.2.3.4, ::1", "https"]),
                _ => RandomString().Replace("\u0000", "", StringComparison.Ordinal),
            };
            if (name == "Expect")
            {
                continue;
            }

            headers.Add(new(name, HeaderSafe(value)));
        }

        return inner with { Headers = headers, Description = $"{inner.Description} with {string.Join("; ", headers.Select(h => $"{h.Key}: {Snippet(h.Value)}"))}" };
    }

    private string RandomQuery()
    {
        if (_random.Next(2) == 0)
        {
            return "";
        }

        var pairs = Enumerable.Range(0, _random.Next(1, 4)).Select(_ =>
            $"{Uri.EscapeDataString(Pick(QueryKeys))}={Uri.EscapeDataString(_random.Next(2) == 0 ? Pick(NumberTexts) : RandomString())}");
        return "?" + string.Join('&', pairs);
    }

    private string RandomJsonDocument() => _random.Next(6) == 0 ? Pick(["null", "true", "[]", "{}", "\"\"", "0"]) : RandomJson(4);

    private string RandomJson(int depth)
    {
        var choice = depth <= 0 ? _random.Next(4) : _random.Next(6);
        return choice switch
        {
            0 => Pick(NumberTexts),
            1 => Quote(RandomString()),
            2 => Pick(["true", "false", "null"]),
            3 => Pick(NumberTexts),
            4 => "[" + string.Join(',', Enumerable.Range(0, _random.Next(0, 5)).Select(_ => RandomJson(depth - 1))) + "]",
            _ => "{" + string.Join(',', Enumerable.Range(0, _random.Next(0, 4)).Select(_ =>
                $"{Quote(_random.Next(3) == 0 ? Pick(["file_ids", "file_id", "body"]) : RandomString())}:{RandomJson(depth - 1)}")) + "}",
        };
    }

    private string RandomString()
    {
        if (_random.Next(3) == 0)
        {
            return Pick(Strings);
        }

        var builder = new StringBuilder();
        foreach (var _ in Enumerable.Range(0, _random.Next(0, 24)))
        {
            builder.Append(_random.Next(5) switch
            {
                0 => (char)_random.Next(0x20, 0x7F),
                1 => (char)_random.Next(0xA0, 0x2000),
                2 => char.ConvertFromUtf32(_random.Next(0x1F300, 0x1FAFF)),
                3 => (char)_random.Next(0x3040, 0x9FFF),
                _ => (char)_random.Next(0x20, 0x7F),
            });
        }

        return builder.ToString();
    }

    /// <summary>Printable text, some of it beyond ASCII (sent as UTF-8).</summary>
    private string RandomHeaderText(int length) =>
        new(Enumerable.Range(0, length).Select(_ => _random.Next(6) == 0 ? (char)_random.Next(0xA0, 0x7FF) : (char)_random.Next(0x20, 0x7F)).ToArray());

    /// <summary>What HTTP can carry in a header value at all: no control characters, no leading or trailing blanks.</summary>
    private static string HeaderSafe(string value) =>
        new string(value.Where(c => c >= 0x20 && c != 0x7F && !char.IsSurrogate(c) && c is not ('\u2028' or '\u2029' or '\u0085')).ToArray()).Trim();

    private static string Quote(string text) => JsonSerializer.Serialize(text);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static string Snippet(string text) => text.Length <= 120 ? text : text[..120] + $"…({text.Length} chars)";
}
