using System.Text;

namespace Delineate.Client;

/// <summary>
/// Reads the <c>data:</c> of each event from a <c>text/event-stream</c>. Comments (the server's
/// keep-alives) are skipped; <c>id:</c> and <c>event:</c> add nothing here, since the data carries
/// the seq and type. A stream silent for longer than the idle timeout, keep-alives included, is dead.
/// </summary>
internal sealed class ServerSentEventReader(Stream stream, TimeSpan idleTimeout)
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);
    private readonly StringBuilder _data = new();

    /// <summary>The next event's data, or null when the server ended the stream.</summary>
    public async Task<string?> ReadDataAsync(CancellationToken cancellationToken)
    {
        while (await ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (_data.Length > 0)
                {
                    var text = _data.ToString();
                    _data.Clear();
                    return text;
                }
                continue;
            }
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                var value = line[5..];
                if (_data.Length > 0)
                {
                    _data.Append('\n');
                }
                _data.Append(value.StartsWith(' ') ? value[1..] : value);
            }
        }
        return null;
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(idleTimeout);
        try
        {
            return await _reader.ReadLineAsync(idle.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the event stream was silent for {idleTimeout.TotalSeconds:0} s (not even a keep-alive)", ex);
        }
    }
}
