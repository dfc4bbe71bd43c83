using System.Text.Json;
using Delineate.Client;
using Spectre.Console;

namespace Delineate.Cli;

/// <summary>Where a command writes: results on stdout (markup, plain lines or JSON), messages on stderr.</summary>
public sealed class Output(OutputMode mode)
{
    public OutputMode Mode { get; } = mode;

    /// <summary>One JSON object on one line of stdout.</summary>
    public void Json(object value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, value.GetType(), DelineateJson.Options));

    /// <summary>A line of results: Spectre markup on a terminal, the plain text otherwise.</summary>
    public void Line(string markup, string plain)
    {
        if (Mode == OutputMode.Interactive)
        {
            AnsiConsole.MarkupLine(markup);
        }
        else
        {
            Console.Out.WriteLine(plain);
        }
    }

    /// <summary>A line of plain results (no markup).</summary>
    public void Line(string plain) => Line(Markup.Escape(plain), plain);

    /// <summary>A message for the person at the terminal, on stderr.</summary>
    public static void Error(string message) => Console.Error.WriteLine("delineate: " + message);
}
