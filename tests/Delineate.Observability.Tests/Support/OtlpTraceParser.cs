using System.Buffers.Binary;
using System.Text;

namespace Delineate.Observability.Tests.Support;

/// <summary>One span as exported over OTLP, with its resource's and its own attributes.</summary>
public sealed record OtlpSpan(
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    int Kind,
    string Scope,
    int StatusCode,
    IReadOnlyDictionary<string, object?> Attributes,
    IReadOnlyDictionary<string, object?> Resource)
{
    public const int KindInternal = 1;
    public const int KindServer = 2;
    public const int KindClient = 3;

    public string? ServiceName => Resource.GetValueOrDefault("service.name") as string;

    public string? ServiceInstanceId => Resource.GetValueOrDefault("service.instance.id") as string;

    public override string ToString() =>
        $"{Name} [{ServiceName} {ServiceInstanceId}] trace {TraceId} span {SpanId} parent {(ParentSpanId.Length == 0 ? "-" : ParentSpanId)} " +
        $"kind {Kind} scope {Scope} {{{string.Join(", ", Attributes.Select(a => $"{a.Key}={a.Value}"))}}}";
}

/// <summary>
/// Reads an OTLP <c>ExportTraceServiceRequest</c> (protobuf) into spans: only the fields the tests
/// need (opentelemetry/proto/trace/v1/trace.proto); every other field is skipped by wire type.
/// </summary>
public static class OtlpTraceParser
{
    public static List<OtlpSpan> Parse(ReadOnlyMemory<byte> request)
    {
        var spans = new List<OtlpSpan>();
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1))
        {
            // ResourceSpans: 1 resource, 2 scope_spans.
            var resource = new Dictionary<string, object?>();
            var fields = Fields(resourceSpans.Bytes);
            foreach (var field in fields.Where(f => f.Number == 1))
            {
                // Resource: 1 attributes.
                foreach (var attribute in Fields(field.Bytes).Where(f => f.Number == 1))
                {
                    AddKeyValue(resource, attribute.Bytes);
                }
            }
            foreach (var scopeSpans in fields.Where(f => f.Number == 2))
            {
                // ScopeSpans: 1 scope (InstrumentationScope: 1 name), 2 spans.
                var scopeFields = Fields(scopeSpans.Bytes);
                var scope = scopeFields.Where(f => f.Number == 1)
                    .Select(f => Fields(f.Bytes).Where(s => s.Number == 1).Select(s => s.String).FirstOrDefault())
                    .FirstOrDefault() ?? "";
                foreach (var span in scopeFields.Where(f => f.Number == 2))
                {
                    spans.Add(ParseSpan(span.Bytes, scope, resource));
                }
            }
        }
        return spans;
    }

    private static OtlpSpan ParseSpan(ReadOnlyMemory<byte> bytes, string scope, IReadOnlyDictionary<string, object?> resource)
    {
        string traceId = "", spanId = "", parentSpanId = "", name = "";
        var kind = 0;
        var status = 0;
        var attributes = new Dictionary<string, object?>();
        foreach (var field in Fields(bytes))
        {
            switch (field.Number)
            {
                case 1: traceId = Convert.ToHexStringLower(field.Bytes.Span); break;
                case 2: spanId = Convert.ToHexStringLower(field.Bytes.Span); break;
                case 4: parentSpanId = Convert.ToHexStringLower(field.Bytes.Span); break;
                case 5: name = field.String; break;
                case 6: kind = (int)field.Varint; break;
                case 9: AddKeyValue(attributes, field.Bytes); break;
                case 15:
                    // Status: 2 message, 3 code.
                    status = (int)(Fields(field.Bytes).Where(f => f.Number == 3).Select(f => f.Varint).FirstOrDefault());
                    break;
            }
        }
        return new OtlpSpan(traceId, spanId, parentSpanId, name, kind, scope, status, attributes, resource);
    }

    /// <summary>KeyValue: 1 key, 2 value (AnyValue: 1 string, 2 bool, 3 int, 4 double, 5 array, 6 kvlist, 7 bytes).</summary>
    private static void AddKeyValue(Dictionary<string, object?> into, ReadOnlyMemory<byte> keyValue)
    {
        string? key = null;
        object? value = null;
        foreach (var field in Fields(keyValue))
        {
            if (field.Number == 1)
            {
                key = field.String;
            }
            else if (field.Number == 2)
            {
                foreach (var any in Fields(field.Bytes))
                {
                    value = any.Number switch
                    {
                        1 => any.String,
                        2 => any.Varint != 0,
                        3 => (long)any.Varint,
                        4 => BitConverter.Int64BitsToDouble((long)any.Varint),
                        _ => $"<field {any.Number}>",
                    };
                }
            }
        }
        if (key is not null)
        {
            into[key] = value;
        }
    }

    private readonly record struct Field(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Bytes)
    {
        public string String => Encoding.UTF8.GetString(Bytes.Span);
    }

    private static List<Field> Fields(ReadOnlyMemory<byte> message)
    {
        var fields = new List<Field>();
        var span = message.Span;
        var position = 0;
        while (position < span.Length)
        {
            var key = ReadVarint(span, ref position);
            var number = (int)(key >> 3);
            var wireType = (int)(key & 7);
            switch (wireType)
            {
                case 0:
                    fields.Add(new Field(number, wireType, ReadVarint(span, ref position), default));
                    break;
                case 1:
                    fields.Add(new Field(number, wireType, BinaryPrimitives.ReadUInt64LittleEndian(span[position..]), default));
                    position += 8;
                    break;
                case 2:
                    var length = checked((int)ReadVarint(span, ref position));
                    if (length < 0 || position + length > span.Length)
                    {
                        throw new InvalidDataException($"protobuf field {number}: length {length} runs past the message ({span.Length} bytes)");
                    }
                    fields.Add(new Field(number, wireType, 0, message.Slice(position, length)));
                    position += length;
                    break;
                case 5:
                    fields.Add(new Field(number, wireType, BinaryPrimitives.ReadUInt32LittleEndian(span[position..]), default));
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf field {number}: unsupported wire type {wireType} at byte {position}");
            }
        }
        return fields;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= span.Length)
            {
                throw new InvalidDataException("protobuf varint runs past the message");
            }
            var b = span[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
        throw new InvalidDataException("protobuf varint longer than 10 bytes");
    }
}
