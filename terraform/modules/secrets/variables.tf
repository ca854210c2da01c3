variable "name" {
  description = "Name prefix of the secrets."
  type        = string
}

variable "temporal_api_key_enabled" {
  description = "Whether a Temporal Cloud API key is stored (known at plan time, unlike the key itself)."
  type        = bool
}

variable "kafka_sasl_enabled" {
  description = "Whether a secret for Kafka SASL/PLAIN credentials (a Confluent Cloud API key and secret) is created."
  type        = bool
}

variable "temporal_api_key" {
  description = "Temporal Cloud API key to store; empty when temporal_api_key_enabled is false."
  type        = string
  sensitive   = true
}
