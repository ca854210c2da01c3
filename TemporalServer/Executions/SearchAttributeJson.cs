using System.Text;
using System.Text.Json.Nodes;
using Temporalio.Api.Common.V1;

namespace TemporalServer.Executions;

/// <summary>Search attributes as the jsonb visibility filters on: name → the payload's JSON value.</summary>
static class SearchAttributeJson
{
    public static string ToJson(SearchAttributes attributes) => ToJsonObject(attributes).ToJsonString();

    public static JsonObject ToJsonObject(SearchAttributes attributes)
    {
        var json = new JsonObject();
        foreach (var (name, payload) in attributes.IndexedFields)
        {
            try
            {
                json[name] = JsonNode.Parse(Encoding.UTF8.GetString(payload.Data.Span));
            }
            catch (System.Text.Json.JsonException)
            {
                // Search attribute payloads are json/plain; anything else is kept out of the filterable document.
            }
        }
        return json;
    }
}
