using Delineate.Grains.Webhooks;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Delineate.Gateway.Jobs;

/// <summary>
/// Declares the completion webhook as an OpenAPI 3.1 top-level <c>webhooks</c> entry: the POST the
/// service makes to a job's <c>callback_url</c>, its <see cref="WebhookPayload"/> body and its
/// signature header, so receivers can be generated and checked like clients.
/// </summary>
public sealed class WebhookDocumentTransformer : IOpenApiDocumentTransformer
{
    /// <summary>The webhook's name in the document.</summary>
    public const string WebhookName = "jobFinished";

    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var schemaName = nameof(WebhookPayload);
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[schemaName] = await context.GetOrCreateSchemaAsync(typeof(WebhookPayload), cancellationToken: cancellationToken);
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Webhooks[WebhookName] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Post] = new OpenApiOperation
                {
                    OperationId = WebhookName,
                    Summary = "A job finished: sent to the job's callback_url after its terminal event",
                    Description = "The body is the terminal event's fields plus the result as the status endpoint gives it. "
                        + $"{WebhookSigner.HeaderName} is t=<unix seconds>,v1=<hex HMAC-SHA256 over \"<t>.<raw body>\"> keyed by WEBHOOK_SECRET: "
                        + "verify it and reject an old t. Any 2xx acknowledges the delivery; anything else, or no answer in time, is retried with backoff.",
                    Parameters =
                    [
                        new OpenApiParameter
                        {
                            Name = WebhookSigner.HeaderName,
                            In = ParameterLocation.Header,
                            Required = true,
                            Description = "t=<unix seconds>,v1=<hex HMAC-SHA256 over \"<t>.<raw body>\">",
                            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                        },
                    ],
                    RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new() { Schema = new OpenApiSchemaReference(schemaName, document) },
                        },
                    },
                    Responses = new OpenApiResponses
                    {
                        ["2XX"] = new OpenApiResponse { Description = "Delivered: the service stops retrying." },
                    },
                },
            },
        };
    }
}
