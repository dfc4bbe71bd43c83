namespace Delineate.Api.Tests.Support;

/// <summary>One generated request: what to send, and a short description to print when it misbehaves.</summary>
public sealed record GeneratedRequest(string Method, string PathAndQuery, byte[]? Body, IReadOnlyList<KeyValuePair<string, string>> Headers, string Description);
