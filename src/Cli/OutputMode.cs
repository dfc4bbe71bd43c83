namespace Delineate.Cli;

/// <summary>How results are written: a live terminal display, plain lines (stdout is not a terminal), or JSON.</summary>
public enum OutputMode
{
    Interactive,
    Plain,
    Json,
}
