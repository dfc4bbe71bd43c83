using Delineate.Gateway.Jobs;

namespace Delineate.Gateway.Progress;

/// <summary>One client's connection that progress events are written to (WebSocket or SSE).</summary>
public interface IProgressSink
{
    /// <summary>"websocket" or "sse", for metrics.</summary>
    string Transport { get; }

    /// <summary>Cancelled when the client goes away.</summary>
    CancellationToken Gone { get; }

    Task SendAsync(ProgressEventJson message, CancellationToken cancellationToken);

    /// <summary>Keeps an idle connection open through proxies.</summary>
    Task KeepAliveAsync(CancellationToken cancellationToken);

    /// <summary>Ends the connection normally after the terminal event.</summary>
    Task CloseAsync(string reason);

    /// <summary>Ends the connection because this gateway is stopping (WebSocket close code 1001); the client resumes elsewhere.</summary>
    Task GoingAwayAsync();
}
