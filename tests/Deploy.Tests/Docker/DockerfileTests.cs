namespace Deploy.Tests.Docker;

public sealed class DockerfileTests : IDisposable
{
    readonly string _scratch = Directory.CreateTempSubdirectory("deploy-tests-docker-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    public static TheoryData<string> Images => ["workers", "web", "feeds", "temporal-server", "cli"];

    [Theory]
    [MemberData(nameof(Images))]
    public async Task The_image_lints_clean_and_follows_the_image_rules(string image)
    {
        var file = $"deploy/{image}.Dockerfile";
        var path = Repository.PathOf("deploy", $"{image}.Dockerfile");

        var violations = (await Dockerfile.LintAsync(path, file)).Concat(Dockerfile.CheckRules(file, await File.ReadAllTextAsync(path)));

        Violations.AssertNone(violations);
    }

    [Fact]
    public async Task The_linter_names_the_line_of_a_malformed_instruction()
    {
        var path = Path.Combine(_scratch, "Dockerfile");
        await File.WriteAllTextAsync(path, "FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build\nEXPOSE 8080/udpx\nHEALTHCHECK --interval=abc CMD true\n");

        var violations = await Dockerfile.LintAsync(path, "Dockerfile");

        Assert.Contains(violations, v => v.Subject == "line 2" && v.Problem.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Subject == "line 3");
    }

    [Fact]
    public void A_single_stage_image_on_a_floating_tag_running_as_root_without_a_health_check_breaks_every_rule()
    {
        var violations = Dockerfile.CheckRules("bad.Dockerfile", """
            FROM mcr.microsoft.com/dotnet/aspnet:latest
            COPY app /app
            ENTRYPOINT ["dotnet", "/app/Web.dll"]
            """);

        Assert.Equal(
            [
                "stages: is not multi-stage (a build stage and a runtime stage)",
                "line 1: FROM mcr.microsoft.com/dotnet/aspnet:latest: tag 'latest' is not an exact version (x.y.z…) or a digest",
                "final stage: has no USER: it would run as root",
                "final stage: has no HEALTHCHECK (HEALTHCHECK NONE says so on purpose)",
            ],
            violations.Select(v => $"{v.Subject}: {v.Problem}"));
    }

    [Fact]
    public void Untagged_and_minor_only_bases_and_an_explicit_root_user_are_named_while_stage_names_and_digests_pass()
    {
        var violations = Dockerfile.CheckRules("bad.Dockerfile", """
            FROM node AS ui
            FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
            FROM postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS data
            FROM build AS runtime
            USER root
            HEALTHCHECK CMD curl -f http://127.0.0.1:8080/alive
            """);

        Assert.Equal(
            [
                "line 1: FROM node: has no tag: it floats to latest",
                "line 2: FROM mcr.microsoft.com/dotnet/sdk:10.0: tag '10.0' is not an exact version (x.y.z…) or a digest",
                "final stage: runs as root",
            ],
            violations.Select(v => $"{v.Subject}: {v.Problem}"));
    }
}
