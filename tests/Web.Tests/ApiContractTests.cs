using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Web.Tests;

/// <summary>
/// The API's error contract, checked by walking every operation of the OpenAPI document: bad input of every kind is an
/// application/problem+json answer with the right status and names what is wrong; lists share one paged shape.
/// </summary>
[Collection(WebAppCollection.Name)]
public sealed class ApiContractTests(WebAppFixture app)
{
    static readonly string[] Mutations = ["post", "put", "patch", "delete"];

    /// <summary>
    /// A value each query parameter must refuse, by the parameter's name (the naming rule of docs/web.md). A new
    /// parameter name fails the walk until it is added here with its bad value.
    /// </summary>
    static string BadValue(string parameter) => parameter switch
    {
        "deliveryDate" or "day" or "from" or "to" => "2023-13-45",
        "deliveryStart" or "deliveryEnd" => "yesterday",
        "offset" or "limit" => "-1",
        "sort" or "method" or "status" => "magic",
        "area" or "product" or "symbol" => "FR'--",
        "origin" => new string('x', 301),
        "type" => "Biomass'--",
        _ => throw new Xunit.Sdk.XunitException($"no bad value is known for the query parameter '{parameter}': add one to ApiContractTests.BadValue"),
    };

    /// <summary>Values that select the seeded product, for operations that need one to answer at all.</summary>
    static readonly Dictionary<string, string> SeededProduct = new()
    {
        ["product"] = SeedData.HourProduct,
        ["area"] = "FR",
        ["deliveryStart"] = "2023-01-01T10:00:00Z",
        ["deliveryEnd"] = "2023-01-01T11:00:00Z",
        ["from"] = "2023-01-01",
        ["to"] = "2023-01-02",
    };

    async Task<JsonElement> OperationsAsync() => await app.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

    static IEnumerable<(string Path, string Method, JsonElement Operation)> Each(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        select (path.Name, operation.Name, operation.Value);

    static IEnumerable<string> QueryParameters(JsonElement operation) =>
        operation.TryGetProperty("parameters", out var parameters)
            ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!)
            : [];

    static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{what}: expected {(int)status}, got {(int)response.StatusCode} {body}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{what}: {response.Content.Headers.ContentType} {body}");
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    [Fact]
    public async Task Every_query_parameter_of_every_operation_answers_bad_input_with_a_400_problem_naming_it()
    {
        var checkedParameters = 0;
        foreach (var (path, method, operation) in Each(await OperationsAsync()))
            foreach (var parameter in QueryParameters(operation))
            {
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), $"{path}?{parameter}={Uri.EscapeDataString(BadValue(parameter))}");
                request.Headers.Authorization = app.OperatorAuth;
                using var response = await app.Http.SendAsync(request);
                var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, $"{method} {path}?{parameter}=bad");
                Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out var errors), $"{method} {path}: {problem} does not name {parameter}");
                Assert.Contains("'", errors[0].GetString()); // the message quotes the value it refused
                checkedParameters++;
            }
        Assert.True(checkedParameters >= 30, $"only {checkedParameters} parameters walked");
    }

    [Fact]
    public async Task Every_mutation_is_documented_as_needing_Basic_credentials_and_answers_401_and_403_problems()
    {
        var document = await OperationsAsync();
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("basic");
        Assert.Equal(("http", "basic"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));

        var mutations = 0;
        foreach (var (path, method, operation) in Each(document).Where(o => Mutations.Contains(o.Method)))
        {
            mutations++;
            Assert.True(operation.TryGetProperty("security", out var security) && security.EnumerateArray().Any(s => s.TryGetProperty("basic", out _)),
                $"{method} {path} does not declare the basic security requirement");

            using var anonymous = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path) { Content = AcceptedBody(operation) };
            using var unauthorized = await app.Http.SendAsync(anonymous);
            var problem = await ProblemAsync(unauthorized, HttpStatusCode.Unauthorized, $"{method} {path} without credentials");
            Assert.Equal("Basic", unauthorized.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Contains("Authorization: Basic", problem.GetProperty("detail").GetString());

            using var wrong = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path) { Content = AcceptedBody(operation) };
            wrong.Headers.Authorization = WebAppFixture.Basic(WebAppFixture.OperatorName, "not-the-password");
            using var refused = await app.Http.SendAsync(wrong);
            Assert.Contains("not accepted", (await ProblemAsync(refused, HttpStatusCode.Unauthorized, $"{method} {path} with a wrong password")).GetProperty("detail").GetString());

            using var viewer = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path) { Content = AcceptedBody(operation) };
            viewer.Headers.Authorization = app.ViewerAuth;
            using var forbidden = await app.Http.SendAsync(viewer);
            Assert.Contains("operator role", (await ProblemAsync(forbidden, HttpStatusCode.Forbidden, $"{method} {path} as a viewer")).GetProperty("detail").GetString());
        }
        Assert.True(mutations >= 2, $"only {mutations} mutations in the document");
    }

    [Fact]
    public async Task Every_request_body_in_a_type_the_operation_does_not_accept_answers_415_naming_the_accepted_types()
    {
        var bodies = 0;
        foreach (var (path, method, operation) in Each(await OperationsAsync()).Where(o => o.Operation.TryGetProperty("requestBody", out _)))
        {
            bodies++;
            var accepted = operation.GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(c => c.Name).ToList();
            using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path) { Content = new StringContent("<day>2023-01-01</day>", Encoding.UTF8, "application/xml") };
            request.Headers.Authorization = app.OperatorAuth;
            using var response = await app.Http.SendAsync(request);

            var detail = (await ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, $"{method} {path} as XML")).GetProperty("detail").GetString()!;
            Assert.Contains("application/xml", detail);
            Assert.All(accepted, type => Assert.Contains(type, detail));
        }
        Assert.True(bodies >= 2, $"only {bodies} operations with a body");
    }

    [Theory]
    [InlineData("{\"firstDay\":\"2023-02-01\",", "body")]
    [InlineData("{\"firstDay\":20230201,\"lastDay\":\"2023-02-01\"}", "firstDay")]
    [InlineData("", "body")]
    public async Task A_json_body_that_cannot_be_read_answers_a_400_problem_naming_the_field_never_a_500(string body, string field)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/pipeline/backfills") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = app.OperatorAuth;
        using var response = await app.Http.SendAsync(request);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, "invalid JSON");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task An_unknown_api_path_is_a_404_problem_and_a_wrong_method_a_405_problem()
    {
        using var missing = await app.Http.GetAsync("/api/trades/nothing-here");
        using var wrongMethod = await app.Http.DeleteAsync("/api/trades/products");

        Assert.Contains("/api/trades/nothing-here", (await ProblemAsync(missing, HttpStatusCode.NotFound, "unknown path")).GetProperty("detail").GetString());
        await ProblemAsync(wrongMethod, HttpStatusCode.MethodNotAllowed, "DELETE of a list");
    }

    [Fact]
    public async Task Anomalies_of_an_unknown_method_are_refused_like_every_other_bad_value()
    {
        using var response = await app.Http.GetAsync("/api/trades/anomalies?method=magic");

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, "method=magic");
        Assert.Equal("'magic' is not one of: robust, mad, relative-to-mean.", problem.GetProperty("errors").GetProperty("method")[0].GetString());
    }

    [Fact]
    public async Task Every_list_answers_items_total_offset_and_limit_and_no_operation_answers_a_bare_array()
    {
        var lists = new List<string>();
        foreach (var (path, method, operation) in Each(await OperationsAsync()).Where(o => o.Method == "get" && !o.Path.EndsWith(".csv", StringComparison.Ordinal) && !o.Path.Contains('{')))
        {
            var parameters = QueryParameters(operation).ToList();
            var query = string.Join("&", parameters.Where(SeededProduct.ContainsKey).Select(p => $"{p}={Uri.EscapeDataString(SeededProduct[p])}")
                .Concat(parameters.Contains("offset") ? ["offset=1", "limit=1"] : []));
            using var response = await app.Http.GetAsync($"{path}?{query}");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.NotFound) { await ProblemAsync(response, HttpStatusCode.NotFound, $"GET {path}"); continue; } // an item not stored yet
            Assert.True(response.IsSuccessStatusCode, $"GET {path}?{query}: {(int)response.StatusCode} {body}");
            var json = JsonDocument.Parse(body).RootElement;

            Assert.True(json.ValueKind == JsonValueKind.Object, $"GET {path} answers a bare {json.ValueKind}");
            if (!parameters.Contains("offset")) continue; // a list pages by offset and limit
            lists.Add(path);
            Assert.Equal(["items", "limit", "offset", "total"], json.EnumerateObject().Select(p => p.Name).Order());
            Assert.Equal((1, 1), (json.GetProperty("offset").GetInt32(), json.GetProperty("limit").GetInt32()));
            Assert.True(json.GetProperty("items").GetArrayLength() <= 1);
            Assert.True(json.GetProperty("total").GetInt64() >= json.GetProperty("items").GetArrayLength() + (json.GetProperty("items").GetArrayLength() > 0 ? 1 : 0));
        }
        Assert.Superset(new HashSet<string> { "/api/trades/products", "/api/trades/top", "/api/trades/anomalies", "/api/trades/quarantine", "/api/trades/products/trades", "/api/pipeline/runs" },
            lists.ToHashSet());
    }

    [Fact]
    public async Task A_csv_import_sent_as_a_multipart_form_file_is_accepted_as_documented()
    {
        const string csv = """
            TradeId,RemoteTradeId,Side,Product,DeliveryStart,DeliveryEnd,ExecutionTime,DeliveryArea,TradePhase,UserDefinedBlock,SelfTrade,Price,Currency,Volume,VolumeUnit,OrderID
            7500001,1,SELL,XBID_Hour_Power,2023-03-03T10:00:00Z,2023-03-03T11:00:00Z,2023-03-02T16:00:00Z,AT,CONT,N,U,40,EUR,2,MWH,1

            """;
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(csv, Encoding.UTF8, "text/csv"), "file", "multipart.csv");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/trades/imports") { Content = form };
        request.Headers.Authorization = app.OperatorAuth;
        using var response = await app.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(HttpStatusCode.OK == response.StatusCode, body);
        var outcome = JsonDocument.Parse(body).RootElement;
        Assert.True((1, 1) == (outcome.GetProperty("received").GetInt64(), outcome.GetProperty("inserted").GetInt64()), body);
        Assert.Contains(":multipart.csv@", outcome.GetProperty("origin").GetString());
    }

    /// <summary>A body in the first content type the operation accepts (its content does not matter before authorisation).</summary>
    static HttpContent? AcceptedBody(JsonElement operation)
    {
        if (!operation.TryGetProperty("requestBody", out var body)) return null;
        var type = body.GetProperty("content").EnumerateObject().First().Name;
        var content = new StringContent(type == "application/json" ? "{}" : "x", Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }
}
