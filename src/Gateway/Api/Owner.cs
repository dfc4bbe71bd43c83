namespace Delineate.Gateway.Api;

/// <summary>Who is asking. With <c>Auth:Mode</c> none, the <c>X-User-Id</c> header, else "anonymous".</summary>
public static class Owner
{
    public const string Anonymous = "anonymous";
    private const int MaxLength = 128;

    public static string Of(HttpContext context)
    {
        var header = context.Request.Headers["X-User-Id"].ToString().Trim();
        return header.Length is > 0 and <= MaxLength && header.All(c => c >= ' ' && c < 127) ? header : Anonymous;
    }
}
