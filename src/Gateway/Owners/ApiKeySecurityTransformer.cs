using Delineate.Gateway.Hosting;
using Delineate.Gateway.Jobs;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Delineate.Gateway.Owners;

/// <summary>
/// In <c>apikey</c> mode the OpenAPI document declares the <c>X-API-Key</c> header scheme and every
/// job operation requires it, so <c>/docs</c> "try it" and generated clients send the key.
/// </summary>
public sealed class ApiKeySecurityTransformer(IOptions<GatewayOptions> options) : IOpenApiDocumentTransformer
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        if (!options.Value.RequiresApiKey)
        {
            return Task.CompletedTask;
        }
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            Name = HeaderName,
            In = ParameterLocation.Header,
            Description = "One of the keys of Auth__ApiKeys (Authorization: Bearer KEY is also accepted).",
        };
        var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] };
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith(JobsApi.Prefix, StringComparison.Ordinal) || item.Operations is null)
            {
                continue;
            }
            foreach (var operation in item.Operations.Values)
            {
                operation.Security ??= [];
                operation.Security.Add(requirement);
            }
        }
        return Task.CompletedTask;
    }
}
