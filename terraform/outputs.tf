output "lake_bucket" {
  description = "The lake bucket (ConnectionStrings:lake is Bucket=<this>;Region=<aws_region>)."
  value       = module.lake.bucket_name
}

output "lake_kms_key_arn" {
  description = "KMS key encrypting the lake."
  value       = module.lake.kms_key_arn
}

output "workers_role_arn" {
  description = "Workers' task role: read/write on the lake's prefixes."
  value       = module.iam.workers_role_arn
}

output "web_role_arn" {
  description = "Web's task role: read-only on the lake."
  value       = module.iam.web_role_arn
}

output "analysts_role_arn" {
  description = "Role analysts assume for Athena over the lake (read-only)."
  value       = module.iam.analysts_role_arn
}

output "athena_workgroup" {
  description = "Athena workgroup analysts query in; empty when enable_glue is false."
  value       = var.enable_glue ? module.glue[0].workgroup : ""
}

output "glue_database" {
  description = "Glue database holding the lake's tables; empty when enable_glue is false."
  value       = var.enable_glue ? module.glue[0].database : ""
}

output "postgres_connection_string" {
  description = "ConnectionStrings:postgres without the password (PGPASSWORD comes from the secret)."
  value       = local.postgres_connection_string
}

output "postgres_password_secret_arn" {
  description = "Secret whose 'password' key is PostgreSQL's password."
  value       = local.postgres_password_secret
}

output "kafka_bootstrap_servers" {
  description = "ConnectionStrings:kafka."
  value       = local.kafka_bootstrap_servers
}

output "temporal_address" {
  description = "ConnectionStrings:temporal (host:port of the Temporal frontend or Temporal Cloud endpoint)."
  value       = local.temporal_address
}

output "temporal_namespace" {
  description = "Temporal:Namespace."
  value       = local.temporal_namespace
}

output "operators_secret_arn" {
  description = "Secret to put Web's operators' password hashes in (JSON object name -> hash)."
  value       = module.secrets.operators_arn
}

output "kafka_sasl_secret_arn" {
  description = "Secret to put Kafka's SASL/PLAIN username and password into (Confluent Cloud API key and secret); empty unless kafka_sasl_plain."
  value       = module.secrets.kafka_sasl_arn
}

output "web_url" {
  description = "Web's HTTPS address behind the ALB; empty when enable_ecs is false."
  value       = var.enable_ecs ? module.ecs[0].web_url : ""
}

output "log_groups" {
  description = "CloudWatch log groups of the services and the collector; empty when enable_ecs is false."
  value       = var.enable_ecs ? module.ecs[0].log_groups : []
}
