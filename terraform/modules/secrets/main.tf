# Secrets the tasks read at start (ECS injects them as environment variables; they never appear in task
# definitions). PostgreSQL's password is RDS's own managed secret and is not repeated here.

resource "aws_kms_key" "secrets" {
  description         = "${var.name}: encrypts the pipeline's Secrets Manager secrets"
  enable_key_rotation = true
}

resource "aws_secretsmanager_secret" "temporal_api_key" {
  count = var.temporal_api_key_enabled ? 1 : 0

  name        = "${var.name}/temporal-api-key"
  description = "Temporal Cloud API key of the workers' service account (Temporal:ApiKey)"
  kms_key_id  = aws_kms_key.secrets.arn
}

resource "aws_secretsmanager_secret_version" "temporal_api_key" {
  count = var.temporal_api_key_enabled ? 1 : 0

  secret_id     = aws_secretsmanager_secret.temporal_api_key[0].id
  secret_string = var.temporal_api_key
}

# Web's operators ({"alice": "pbkdf2-sha256$..."}): the value is put by an operator with the CLI, not by Terraform,
# so no password hash sits in Terraform state.
resource "aws_secretsmanager_secret" "operators" {
  name        = "${var.name}/web-operators"
  description = "Web operators' PBKDF2 password hashes, JSON object name -> hash (Operators:<name>:PasswordHash)"
  kms_key_id  = aws_kms_key.secrets.arn
}

# Kafka SASL/PLAIN credentials ({"username": "<API key>", "password": "<API secret>"}) for Confluent Cloud: put by an
# operator with the CLI (terraform/README.md), so the secret never sits in Terraform state.
resource "aws_secretsmanager_secret" "kafka_sasl" {
  count = var.kafka_sasl_enabled ? 1 : 0

  name        = "${var.name}/kafka-sasl"
  description = "Kafka SASL/PLAIN credentials, JSON username and password (Kafka:Sasl:Username, Kafka:Sasl:Password)"
  kms_key_id  = aws_kms_key.secrets.arn
}
