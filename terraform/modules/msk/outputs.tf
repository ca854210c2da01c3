output "cluster_arn" {
  description = "The MSK Serverless cluster's ARN (IAM policies name its topics and groups)."
  value       = aws_msk_serverless_cluster.this.arn
}

output "bootstrap_brokers" {
  description = "Bootstrap servers for SASL/IAM over TLS (ConnectionStrings:kafka)."
  value       = aws_msk_serverless_cluster.this.bootstrap_brokers_sasl_iam
}
