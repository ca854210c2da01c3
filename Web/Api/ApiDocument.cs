using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Web.Security;

namespace Web.Api;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>): the HTTP Basic scheme the API authenticates with, and a security
/// requirement on every operation that needs an operator (<see cref="OperatorPolicy.ApiName"/>), so clients know which
/// calls must carry credentials.
/// </summary>
public static class ApiDocument
{
    const string Scheme = "basic";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) => services.AddOpenApi(o =>
    {
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Scheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "basic",
                Description = "An operator's name and password (Operators:<name>:PasswordHash). Mutations need the operator role; reads are open in Development only.",
            };
            return Task.CompletedTask;
        });
        o.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy == OperatorPolicy.ApiName))
                (operation.Security ??= []).Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Scheme, context.Document)] = [] });
            return Task.CompletedTask;
        });
    });
}
