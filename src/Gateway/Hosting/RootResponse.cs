namespace Delineate.Gateway.Hosting;

/// <summary><c>GET /</c>.</summary>
public sealed record RootResponse(string Message, string Docs, string Ui);
