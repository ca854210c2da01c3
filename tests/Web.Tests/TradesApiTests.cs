using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Web.Tests;

[Collection(WebAppCollection.Name)]
public sealed class TradesApiTests(WebAppFixture app)
{
    async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await app.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task Product_statistics_are_filtered_by_day_and_area_and_carry_the_total_count()
    {
        var page = await GetJsonAsync("/api/trades/products?deliveryDate=2023-01-01&area=FR");

        Assert.Equal(2, page.GetProperty("total").GetInt64());
        var first = page.GetProperty("items")[0];
        Assert.Equal("XBID_Hour_Power", first.GetProperty("product").GetString());
        Assert.Equal(120.5, first.GetProperty("totalVolume").GetDouble());
        Assert.Equal(55.25, first.GetProperty("vwap").GetDouble());
        Assert.Equal(4, first.GetProperty("tradeCount").GetInt32());
        Assert.Equal(DateTimeOffset.Parse("2023-01-01T10:00:00Z"), first.GetProperty("deliveryStart").GetDateTimeOffset());
    }

    [Fact]
    public async Task Product_statistics_sort_ascending_and_page()
    {
        var page = await GetJsonAsync("/api/trades/products?sort=totalVolume&offset=2&limit=2");

        Assert.Equal(4, page.GetProperty("total").GetInt64());
        Assert.Equal((2, 2), (page.GetProperty("offset").GetInt32(), page.GetProperty("limit").GetInt32()));
        Assert.Equal([120.5, 200], page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("totalVolume").GetDouble()));
    }

    [Fact]
    public async Task Product_statistics_export_as_csv_with_the_same_filters()
    {
        var csv = await app.Http.GetStringAsync("/api/trades/products/export.csv?area=DE");

        var lines = csv.TrimEnd('\n').Split('\n');
        Assert.StartsWith("product,deliveryStart,deliveryEnd,deliveryArea", lines[0]);
        Assert.Equal("XBID_Quarter_Hour_Power,2023-01-01T10:00:00Z,2023-01-01T10:15:00Z,DE,2023-01-01,3,90,91.75,66.67,200,85,95,5", Assert.Single(lines[1..]));
    }

    [Theory]
    [InlineData("/api/trades/products?deliveryDate=01-01-2023", "deliveryDate", "yyyy-MM-dd")]
    [InlineData("/api/trades/products?limit=0", "limit", "between 1 and 1000")]
    [InlineData("/api/trades/products?offset=-1", "offset", "between 0 and")]
    [InlineData("/api/trades/products?sort=price;drop", "sort", "not a sort key")]
    [InlineData("/api/trades/products?area=FR'--", "area", "not a valid code")]
    [InlineData("/api/trades/top?limit=1000", "limit", "between 1 and 100")]
    [InlineData("/api/trades/anomalies?deliveryStart=yesterday&product=X&area=FR&deliveryEnd=2023-01-01T11:00:00Z", "deliveryStart", "ISO 8601")]
    public async Task Bad_query_parameters_answer_400_naming_the_parameter_and_the_problem(string path, string parameter, string expected)
    {
        using var response = await app.Http.GetAsync(path);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, problem.GetProperty("errors").GetProperty(parameter)[0].GetString());
    }

    [Fact]
    public async Task Top_products_are_ranked_by_total_volume_within_the_filters()
    {
        var overall = await GetJsonAsync("/api/trades/top?limit=3");
        var second = await GetJsonAsync("/api/trades/top?offset=1&limit=2");
        var frDay = await GetJsonAsync("/api/trades/top?deliveryDate=2023-01-01&area=FR");

        Assert.Equal([200, 120.5, 80], overall.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("totalVolume").GetDouble()));
        Assert.Equal([1, 2, 3], overall.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("rank").GetInt32()));
        Assert.Equal([2, 3], second.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("rank").GetInt32()));
        Assert.Equal(4, overall.GetProperty("total").GetInt64());
        Assert.Equal([120.5, 80], frDay.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("totalVolume").GetDouble()));
    }

    [Fact]
    public async Task Anomalies_list_method_score_threshold_and_reference_and_filter_by_method()
    {
        var all = await GetJsonAsync("/api/trades/anomalies?deliveryDate=2023-01-01");
        var robust = await GetJsonAsync("/api/trades/anomalies?method=robust&area=FR");

        Assert.Equal(2, all.GetProperty("total").GetInt64());
        var a = Assert.Single(robust.GetProperty("items").EnumerateArray());
        Assert.Equal(SeedData.AnomalousTradeId, a.GetProperty("tradeId").GetInt64());
        Assert.Equal(61.38, a.GetProperty("score").GetDouble());
        Assert.Equal(3.5, a.GetProperty("threshold").GetDouble());
        Assert.Equal(49, a.GetProperty("reference").GetDouble());
        Assert.Equal(140, a.GetProperty("price").GetDouble());
    }

    [Fact]
    public async Task Trades_of_a_product_give_one_point_per_trade_in_execution_order()
    {
        var points = await GetJsonAsync("/api/trades/products/trades?product=XBID_Hour_Power&area=FR&deliveryStart=2023-01-01T10:00:00Z&deliveryEnd=2023-01-01T11:00:00Z");

        Assert.Equal([9000001L, 9000002, 9000003, 9000004], points.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("tradeId").GetInt64()));
        Assert.Equal(4, points.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Quarantine_shows_the_reason_and_the_payload_as_received()
    {
        var page = await GetJsonAsync("/api/trades/quarantine?limit=10&origin=kafka:energy.trades.v1");

        var q = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal("Price: 'abc' is not a number", q.GetProperty("reason").GetString());
        Assert.Equal("{\"TradeId\":\"1\",\"Price\":\"abc\"}", q.GetProperty("payload").GetString());
    }

    [Fact]
    public async Task A_csv_upload_stores_valid_rows_once_and_quarantines_invalid_ones_accounting_for_every_record()
    {
        const string header = "TradeId,RemoteTradeId,Side,Product,DeliveryStart,DeliveryEnd,ExecutionTime,DeliveryArea,TradePhase,UserDefinedBlock,SelfTrade,Price,Currency,Volume,VolumeUnit,OrderID";
        var csv = string.Join("\n",
            "# Intraday Continuous trades, uploaded by a test",
            header,
            "7100001,1,SELL,XBID_Hour_Power,2023-03-01T10:00:00Z,2023-03-01T11:00:00Z,2023-02-28T16:05:06.392Z,NL,CONT,N,U,42.5,EUR,5,MWH,1",
            "7100001,1,BUY,XBID_Hour_Power,2023-03-01T10:00:00Z,2023-03-01T11:00:00Z,2023-02-28T16:05:06.392Z,NL,CONT,N,U,42.5,EUR,5,MWH,2",
            "7100001,1,SELL,XBID_Hour_Power,2023-03-01T10:00:00Z,2023-03-01T11:00:00Z,2023-02-28T16:05:06.392Z,NL,CONT,N,U,42.5,EUR,5,MWH,1",
            "7100002,2,SELL,XBID_Hour_Power,2023-03-01T10:00:00Z,2023-03-01T11:00:00Z,2023-02-28T16:06:00Z,NL,CONT,N,U,not-a-price,EUR,5,MWH,3",
            "");
        using var anonymous = new HttpRequestMessage(HttpMethod.Post, "/api/trades/imports") { Content = new StringContent(csv, Encoding.UTF8, "text/csv") };
        using var denied = await app.Http.SendAsync(anonymous);
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/trades/imports") { Content = new StringContent(csv, Encoding.UTF8, "text/csv") };
        request.Headers.Authorization = app.OperatorAuth;
        request.Headers.Add("X-File-Name", "test-upload.csv");
        using var response = await app.Http.SendAsync(request);
        var outcome = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, outcome.GetProperty("received").GetInt64());
        Assert.Equal(2, outcome.GetProperty("inserted").GetInt64());
        Assert.Equal(1, outcome.GetProperty("duplicates").GetInt64());
        Assert.Equal(1, outcome.GetProperty("quarantined").GetInt64());

        await using var legs = app.DataSource.CreateCommand("SELECT string_agg(side || ':' || price::text, ',' ORDER BY side) FROM pipeline.trades WHERE trade_id = 7100001");
        Assert.Equal("BUY:42.5,SELL:42.5", await legs.ExecuteScalarAsync());
        await using var quarantined = app.DataSource.CreateCommand("SELECT reason, location FROM pipeline.trade_quarantine WHERE origin LIKE 'upload:ops:test-upload.csv@%'");
        await using var reader = await quarantined.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Contains("Price", reader.GetString(0));
        Assert.Equal("test-upload.csv:6", reader.GetString(1));
        Assert.False(await reader.ReadAsync());
        await using var trades = app.DataSource.CreateCommand("SELECT count(*) FROM pipeline.trades WHERE trade_id = 7100002");
        Assert.Equal(0L, await trades.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_openapi_document_describes_every_endpoint()
    {
        var doc = await GetJsonAsync("/openapi/v1.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();

        foreach (var path in new[]
        {
            "/api/trades/products", "/api/trades/products/export.csv", "/api/trades/top", "/api/trades/anomalies", "/api/trades/quarantine",
            "/api/trades/imports", "/api/pipeline/status", "/api/pipeline/runs", "/api/pipeline/backfills", "/api/resources",
        })
            Assert.Contains(path, paths);
        Assert.Contains(doc.GetProperty("paths").GetProperty("/api/trades/products").GetProperty("get").GetProperty("parameters").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "deliveryDate");
    }

    [Fact]
    public async Task Responses_carry_the_security_headers()
    {
        using var response = await app.Http.GetAsync("/trades");

        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
    }
}
