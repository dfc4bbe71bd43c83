using System.Collections.Concurrent;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Delineate.Cli;

/// <summary>A progress column showing a line of markup per task (files, bytes, ETA, the connection), set by the view.</summary>
public sealed class DetailColumn : ProgressColumn
{
    private readonly ConcurrentDictionary<int, string> _details = new();

    public void Set(ProgressTask task, string markup) => _details[task.Id] = markup;

    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Markup(_details.TryGetValue(task.Id, out var markup) ? markup : "");
}
