using System.IO.Compression;
using System.Net;
using System.Text;

namespace Delineate.Observability.Tests;

/// <summary>The test's own stand-ins (Sentry, OTLP) read what the SDKs send: checked without the cluster.</summary>
public sealed class ReceiverTests
{
    private const string Envelope =
        "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"dsn\":\"http://key@127.0.0.1/1\"}\n" +
        "{\"type\":\"attachment\",\"length\":10}\n" +
        "0123456789\n" +
        "{\"type\":\"event\",\"length\":%LEN%}\n" +
        "%EVENT%\n" +
        "{\"type\":\"client_report\"}\n" +
        "{\"discarded_events\":[]}\n";

    private const string Event =
        "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"server_name\":\"delineate-silo\",\"tags\":{\"job_id\":\"j-1\",\"trace_id\":\"abc\"}," +
        "\"exception\":{\"values\":[{\"type\":\"System.IO.IOException\",\"value\":\"x\\ny\"}]}}";

    [Fact]
    public async Task The_Sentry_stand_in_records_the_event_items_of_plain_and_gzipped_envelopes()
    {
        await using var sentry = await SentryReceiver.StartAsync();
        using var http = new HttpClient();
        var body = Encoding.UTF8.GetBytes(Envelope.Replace("%LEN%", Encoding.UTF8.GetByteCount(Event).ToString()).Replace("%EVENT%", Event));

        using (var plain = await http.PostAsync(new Uri($"http://127.0.0.1:{sentry.Port}/api/1/envelope/"), new ByteArrayContent(body)))
        {
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        }
        using var zipped = new MemoryStream();
        await using (var gzip = new GZipStream(zipped, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(body);
        }
        var content = new ByteArrayContent(zipped.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        using (var compressed = await http.PostAsync(new Uri($"http://127.0.0.1:{sentry.Port}/api/1/envelope/"), content))
        {
            Assert.Equal(HttpStatusCode.OK, compressed.StatusCode);
        }

        Assert.Equal(2, sentry.Events.Count);
        Assert.All(sentry.Events, e =>
        {
            Assert.Equal("j-1", e.Tag("job_id"));
            Assert.Equal("delineate-silo", e.ServerName);
            Assert.Equal(["System.IO.IOException"], e.ExceptionTypes);
        });
    }

    [Fact]
    public void The_OTLP_reader_reads_spans_with_their_resource_and_attributes()
    {
        // ExportTraceServiceRequest { resource_spans { resource { attributes { service.name } } scope_spans { scope { name } spans { ... } } } }
        var span = Message(
            Bytes(1, Convert.FromHexString("0102030405060708090a0b0c0d0e0f10")),
            Bytes(2, Convert.FromHexString("1112131415161718")),
            Bytes(4, Convert.FromHexString("2122232425262728")),
            Text(5, "job.fetch"),
            Varint(6, 1),
            Fixed64(7, 1234),
            Bytes(9, KeyValue("file.id", Varint(3, 70007))),
            Bytes(9, KeyValue("file.status", Text(1, "Ready"))),
            Bytes(15, Varint(3, 2)));
        var request = Message(Bytes(1, Message(
            Bytes(1, Message(Bytes(1, KeyValue("service.name", Text(1, "delineate-silo"))))),
            Bytes(2, Message(Bytes(1, Text(1, "Delineate.Jobs")), Bytes(2, span))))));

        var parsed = Assert.Single(OtlpTraceParser.Parse(request));
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", parsed.TraceId);
        Assert.Equal("1112131415161718", parsed.SpanId);
        Assert.Equal("2122232425262728", parsed.ParentSpanId);
        Assert.Equal("job.fetch", parsed.Name);
        Assert.Equal(OtlpSpan.KindInternal, parsed.Kind);
        Assert.Equal(2, parsed.StatusCode);
        Assert.Equal("Delineate.Jobs", parsed.Scope);
        Assert.Equal(70007L, parsed.Attributes["file.id"]);
        Assert.Equal("Ready", parsed.Attributes["file.status"]);
        Assert.Equal("delineate-silo", parsed.ServiceName);
    }

    private static byte[] Message(params byte[][] fields) => fields.SelectMany(f => f).ToArray();

    private static byte[] KeyValue(string key, byte[] anyValueField) => Message(Text(1, key), Bytes(2, anyValueField));

    private static byte[] Text(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    private static byte[] Bytes(int field, byte[] value) => [.. VarintBytes((ulong)((field << 3) | 2)), .. VarintBytes((ulong)value.Length), .. value];

    private static byte[] Varint(int field, ulong value) => [.. VarintBytes((ulong)(field << 3)), .. VarintBytes(value)];

    private static byte[] Fixed64(int field, ulong value) => [.. VarintBytes((ulong)((field << 3) | 1)), .. BitConverter.GetBytes(value)];

    private static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
