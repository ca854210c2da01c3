using Temporalio.Api.OperatorService.V1;

namespace TemporalServer.Visibility;

/// <summary>OperatorService.ListSearchAttributes: the attributes a list filter may name, with their types.</summary>
static class SearchAttributeListing
{
    public static ListSearchAttributesResponse Describe()
    {
        var response = new ListSearchAttributesResponse();
        foreach (var attribute in SearchAttributes.SystemAttributes) response.SystemAttributes.Add(attribute.Name, attribute.Type);
        foreach (var attribute in SearchAttributes.CustomAttributes) response.CustomAttributes.Add(attribute.Name, attribute.Type);
        return response;
    }
}
