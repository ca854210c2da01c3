namespace Deploy.Tests.Terraform;

public sealed class TerraformTests : IDisposable
{
    readonly string _scratch = Directory.CreateTempSubdirectory("deploy-tests-tf-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Every_tf_file_in_terraform_parses_and_keeps_the_policy_rules()
    {
        var files = Hcl.FilesUnder(Repository.PathOf("terraform"));
        var parsed = await Hcl.ParseAsync(files);

        Assert.True(files.Count >= 20, $"expected the root module and its modules, found {files.Count} .tf files");
        Violations.AssertNone(TerraformPolicy.Check(parsed));
        // The rules saw what they guard: the lake bucket, the IAM documents, the variables.
        var resources = parsed.SelectMany(f => Hcl.Blocks(f.Json!, "resource")).Select(r => $"{r.Type}.{r.Name}").ToList();
        Assert.Contains("aws_s3_bucket.lake", resources);
        Assert.Contains("aws_s3_bucket_public_access_block.lake", resources);
        Assert.Contains("aws_iam_role_policy.workers", resources);
        Assert.True(parsed.Sum(f => f.Json!["variable"]?.AsObject().Count ?? 0) >= 40);
    }

    [Fact]
    public async Task A_syntax_error_is_reported_with_its_file_and_line()
    {
        var violations = await CheckAsync("broken.tf", """
            resource "aws_s3_bucket" "lake" {
              bucket =
            }
            """);

        var violation = Assert.Single(violations);
        Assert.EndsWith("broken.tf", violation.File);
        Assert.Equal("syntax", violation.Subject);
        Assert.Contains("broken.tf:2", violation.Problem);
    }

    [Fact]
    public async Task A_variable_without_a_description_is_named()
    {
        var violations = await CheckAsync("variables.tf", """
            variable "described" {
              description = "Has one."
              type        = string
            }

            variable "region" {
              type = string
            }
            """);

        var violation = Assert.Single(violations);
        Assert.Equal(("variable.region", "has no description"), (violation.Subject, violation.Problem));
    }

    [Fact]
    public async Task A_provider_without_one_exact_version_is_named()
    {
        var violations = await CheckAsync("versions.tf", """
            terraform {
              required_providers {
                aws           = { source = "hashicorp/aws", version = "~> 6.0" }
                temporalcloud = { source = "temporalio/temporalcloud", version = "= 1.9.0" }
              }
            }
            """);

        var violation = Assert.Single(violations);
        Assert.Equal("required_providers.aws", violation.Subject);
        Assert.Contains("~> 6.0", violation.Problem);
    }

    [Fact]
    public async Task A_bucket_without_encryption_versioning_and_a_public_access_block_is_named_three_times()
    {
        var violations = await CheckAsync("lake.tf", """
            resource "aws_s3_bucket" "open" {
              bucket = "open"
            }
            """);

        Assert.Equal(3, violations.Count);
        Assert.All(violations, v => Assert.Equal(("lake.tf", "aws_s3_bucket.open"), (Path.GetFileName(v.File), v.Subject)));
        Assert.Contains(violations, v => v.Problem.StartsWith("is not encrypted with a KMS key", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Problem.StartsWith("is not versioned", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Problem.StartsWith("does not block public access", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bucket_with_weaker_settings_is_named_for_each_of_them()
    {
        var violations = await CheckAsync("lake.tf", """
            resource "aws_s3_bucket" "lake" {
              bucket = "lake"
            }

            resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
              bucket = aws_s3_bucket.lake.id
              rule {
                apply_server_side_encryption_by_default {
                  sse_algorithm = "AES256"
                }
              }
            }

            resource "aws_s3_bucket_versioning" "lake" {
              bucket = aws_s3_bucket.lake.id
              versioning_configuration {
                status = "Suspended"
              }
            }

            resource "aws_s3_bucket_public_access_block" "lake" {
              bucket                  = aws_s3_bucket.lake.id
              block_public_acls       = true
              block_public_policy     = true
              ignore_public_acls      = true
              restrict_public_buckets = false
            }
            """);

        Assert.Equal(3, violations.Count);
        Assert.Contains(violations, v => v.Problem.StartsWith("is not encrypted with a KMS key", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Problem.StartsWith("is not versioned", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Problem == "does not block public access (restrict_public_buckets not true in aws_s3_bucket_public_access_block)");
    }

    [Fact]
    public async Task IAM_statements_with_star_actions_or_resources_are_named_but_a_TLS_deny_is_not()
    {
        var violations = await CheckAsync("iam.tf", """
            data "aws_iam_policy_document" "bad" {
              statement {
                sid       = "Everything"
                actions   = ["*"]
                resources = ["arn:aws:s3:::lake/trades/*"]
              }
              statement {
                sid       = "Anywhere"
                actions   = ["s3:GetObject"]
                resources = ["*"]
              }
              statement {
                sid       = "AllOfS3"
                actions   = ["s3:*"]
                resources = ["arn:aws:s3:::lake"]
              }
              dynamic "statement" {
                for_each = ["x"]
                content {
                  sid       = "Generated"
                  actions   = ["kms:Decrypt"]
                  resources = ["*"]
                }
              }
            }

            data "aws_iam_policy_document" "tls_only" {
              statement {
                effect    = "Deny"
                actions   = ["s3:*"]
                resources = ["arn:aws:s3:::lake", "arn:aws:s3:::lake/*"]
              }
            }
            """);

        Assert.Equal(
            [
                "data.aws_iam_policy_document.bad statement Everything: Action \"*\" (every action of every service)",
                "data.aws_iam_policy_document.bad statement Anywhere: Resource \"*\" (every resource)",
                "data.aws_iam_policy_document.bad statement AllOfS3: allows every action of a service (\"s3:*\")",
                "data.aws_iam_policy_document.bad statement Generated: Resource \"*\" (every resource)",
            ],
            violations.Select(v => $"{v.Subject}: {v.Problem}"));
    }

    [Fact]
    public async Task A_policy_written_as_inline_JSON_is_named_because_its_statements_cannot_be_checked()
    {
        var violations = await CheckAsync("iam.tf", """
            resource "aws_iam_role_policy" "workers" {
              role   = "workers"
              policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
            }

            resource "aws_iam_role_policy_attachment" "admin" {
              role       = "workers"
              policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
            }
            """);

        Assert.Equal(2, violations.Count);
        Assert.Contains(violations, v => v.Subject == "aws_iam_role_policy.workers" && v.Problem.StartsWith("policy is not an aws_iam_policy_document", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Subject == "aws_iam_role_policy_attachment.admin" && v.Problem.Contains("AdministratorAccess", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_module_call_with_an_unknown_or_missing_variable_or_output_is_named()
    {
        var module = Directory.CreateDirectory(Path.Combine(_scratch, "modules", "lake")).FullName;
        await File.WriteAllTextAsync(Path.Combine(module, "variables.tf"), """
            variable "bucket_name" {
              description = "The bucket."
              type        = string
            }

            variable "prefixes" {
              description = "Optional."
              type        = list(string)
              default     = []
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(module, "outputs.tf"), """
            output "bucket_arn" {
              description = "The bucket's ARN."
              value       = "arn:aws:s3:::${var.bucket_name}"
            }
            """);
        var root = Path.Combine(_scratch, "main.tf");
        await File.WriteAllTextAsync(root, """
            module "lake" {
              source      = "./modules/lake"
              bucket      = "typo"
            }

            output "arn" {
              description = "Used."
              value       = module.lake.bucket_arn_typo
            }

            output "other" {
              description = "Not called."
              value       = module.rds[0].endpoint
            }
            """);

        var violations = TerraformPolicy.Check(await Hcl.ParseAsync([root, .. Hcl.FilesUnder(module)]));

        Assert.Equal(
            [
                "module.lake: passes bucket, which ./modules/lake does not declare",
                "module.lake: does not pass bucket_name, which ./modules/lake requires",
                "module.lake.bucket_arn_typo: refers to an output the module does not declare",
                "module.rds.endpoint: refers to a module this directory does not call",
            ],
            violations.Select(v => $"{v.Subject}: {v.Problem}"));
    }

    async Task<IReadOnlyList<Violation>> CheckAsync(string fileName, string hcl)
    {
        var path = Path.Combine(_scratch, fileName);
        await File.WriteAllTextAsync(path, hcl);
        return TerraformPolicy.Check(await Hcl.ParseAsync([path]));
    }
}
