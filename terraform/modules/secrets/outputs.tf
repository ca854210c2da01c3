output "kms_key_arn" {
  description = "Key encrypting the secrets (task execution roles decrypt with it)."
  value       = aws_kms_key.secrets.arn
}

output "temporal_api_key_arn" {
  description = "Secret holding Temporal:ApiKey; empty when Temporal Cloud is off."
  value       = var.temporal_api_key_enabled ? aws_secretsmanager_secret.temporal_api_key[0].arn : ""
}

output "kafka_sasl_arn" {
  description = "Secret holding Kafka's SASL/PLAIN username and password; empty when SASL/PLAIN is off."
  value       = var.kafka_sasl_enabled ? aws_secretsmanager_secret.kafka_sasl[0].arn : ""
}

output "operators_arn" {
  description = "Secret holding Web's operators."
  value       = aws_secretsmanager_secret.operators.arn
}
