output "namespace" {
  description = "Full namespace id (<name>.<account>): Temporal:Namespace."
  value       = temporalcloud_namespace.pipeline.id
}

output "grpc_address" {
  description = "host:port of the namespace's gRPC endpoint for API-key clients: ConnectionStrings:temporal."
  value       = temporalcloud_namespace.pipeline.endpoints.grpc_address
}

output "api_key" {
  description = "The workers' API key (Temporal:ApiKey); stored in Secrets Manager by the secrets module."
  value       = temporalcloud_apikey.workers.token
  sensitive   = true
}
