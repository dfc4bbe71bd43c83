namespace Delineate.Gateway.Legacy;

/// <summary>Raised on purpose by <c>POST /v1/download/check?sentry_test=true</c>.</summary>
public sealed class SentryTestException(string message) : Exception(message);
