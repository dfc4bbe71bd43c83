using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Delineate.Gateway.Errors;
using Delineate.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Delineate.Gateway.Owners;

/// <summary>
/// Who is asking. <c>Auth:Mode</c> none: the <c>X-User-Id</c> header, else "anonymous"; a
/// malformed one is a 400 naming the header, never silently another owner.
/// apikey: the owner the <c>X-API-Key</c> (or <c>Authorization: Bearer</c>) key maps to.
/// A browser cannot set headers on a WebSocket handshake, so there the same values may come as
/// offered subprotocols, base64url-encoded: <c>delineate.user.{id}</c> or <c>delineate.key.{key}</c>
/// (never in the URL, which proxies log).
/// </summary>
public sealed class Owner(IOptions<GatewayOptions> options)
{
    public const string Anonymous = "anonymous";

    /// <summary>The subprotocol a browser offers beside its owner token; the subscription accepts with it.</summary>
    public const string WebSocketProtocol = "delineate.v1";

    private const string UserProtocolPrefix = "delineate.user.";
    private const string KeyProtocolPrefix = "delineate.key.";
    private const string ItemKey = "delineate.owner";
    private const int MaxLength = 128;

    private readonly bool _requiresKey = options.Value.RequiresApiKey;
    private readonly IReadOnlyList<(byte[] KeyHash, string Owner)> _keys = options.Value.HashApiKeys();

    /// <summary>The owner the filter resolved for this request.</summary>
    public static string Of(HttpContext context) => context.Items[ItemKey] as string ?? Anonymous;

    /// <summary>Resolves the owner; null when a key is required and missing or unknown.</summary>
    public string? Resolve(HttpContext context)
    {
        if (!_requiresKey)
        {
            var userId = UserId(context);
            return userId is { Length: > 0 } && IsValidUserId(userId) ? userId : Anonymous;
        }
        var key = context.Request.Headers["X-API-Key"].ToString();
        if (key.Length == 0)
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                key = authorization["Bearer ".Length..].Trim();
            }
        }
        if (key.Length == 0)
        {
            key = FromWebSocketProtocol(context, KeyProtocolPrefix) ?? "";
        }
        return key.Length > 0 ? OwnerOfKey(key) : null;
    }

    /// <summary>
    /// The owner of <paramref name="key"/>, or null. Compares the key's SHA-256 with every configured
    /// key's in constant time and without stopping at a match, so timing tells nothing about the keys.
    /// </summary>
    private string? OwnerOfKey(string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        string? found = null;
        foreach (var (keyHash, owner) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, keyHash))
            {
                found = owner;
            }
        }
        return found;
    }

    /// <summary>
    /// In <c>Auth:Mode</c> none, the problem with the <c>X-User-Id</c> the request sent (or its
    /// WebSocket subprotocol form), or null when it sent none or a valid one.
    /// </summary>
    public string? UserIdProblem(HttpContext context)
    {
        if (_requiresKey)
        {
            return null;
        }
        var userId = UserId(context);
        if (userId is null)
        {
            return "The delineate.user.* subprotocol must carry a base64url-encoded user id.";
        }
        return userId.Length == 0 || IsValidUserId(userId)
            ? null
            : $"Must be 1 to {MaxLength} printable ASCII characters without spaces.";
    }

    /// <summary>The user id the request sent: "" when none; null when its subprotocol form is malformed.</summary>
    private static string? UserId(HttpContext context)
    {
        var header = context.Request.Headers["X-User-Id"].ToString().Trim();
        if (header.Length > 0)
        {
            return header;
        }
        var offered = context.WebSockets.WebSocketRequestedProtocols.Any(p => p.StartsWith(UserProtocolPrefix, StringComparison.Ordinal));
        return offered ? FromWebSocketProtocol(context, UserProtocolPrefix)?.Trim() : "";
    }

    private static bool IsValidUserId(string userId) =>
        userId.Length is > 0 and <= MaxLength && userId.All(c => c > ' ' && c < 127);

    /// <summary>The owner token a WebSocket handshake offers as a subprotocol, decoded; null when none or malformed.</summary>
    private static string? FromWebSocketProtocol(HttpContext context, string prefix)
    {
        foreach (var protocol in context.WebSockets.WebSocketRequestedProtocols)
        {
            if (!protocol.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            try
            {
                return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(protocol.AsSpan(prefix.Length)));
            }
            catch (FormatException)
            {
                return null;
            }
        }
        return null;
    }

    /// <summary>An endpoint filter for a route group: 401 without a valid key, else the owner is set.</summary>
    public sealed class Filter(Owner owner) : IEndpointFilter
    {
        public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            if (owner.UserIdProblem(http) is { } problem)
            {
                return ValueTask.FromResult<object?>(Problems.Field("X-User-Id", problem, "Invalid header"));
            }
            if (owner.Resolve(http) is not { } resolved)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return ValueTask.FromResult<object?>(TypedResults.Problem(
                    "Send a valid API key in the X-API-Key header (or Authorization: Bearer).",
                    statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized"));
            }
            http.Items[ItemKey] = resolved;
            return next(context);
        }
    }
}
