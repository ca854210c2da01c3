variable "name" {
  description = "Cluster name and name prefix."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the tasks and the ALB."
  type        = string
}

variable "tasks_security_group_id" {
  description = "Security group of the tasks (created by the root module: PostgreSQL and Kafka admit it)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Subnets of the tasks."
  type        = list(string)
}

variable "public_subnet_ids" {
  description = "Subnets of the ALB."
  type        = list(string)
}

variable "allowed_cidrs" {
  description = "Networks allowed to reach the ALB."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener."
  type        = string
}

variable "workers_image" {
  description = "Workers image, pinned."
  type        = string
}

variable "web_image" {
  description = "Web image, pinned."
  type        = string
}

variable "otel_collector_image" {
  description = "OpenTelemetry collector (contrib) image, pinned."
  type        = string
}

variable "otlp_endpoint" {
  description = "OTLP/HTTP backend for traces and logs; empty = metrics only."
  type        = string
}

variable "workers_role_arn" {
  description = "Task role of Workers."
  type        = string
}

variable "web_role_arn" {
  description = "Task role of Web."
  type        = string
}

variable "environment" {
  description = "Environment variables of both services (connection strings without secrets)."
  type        = map(string)
}

variable "workers_environment" {
  description = "Environment variables of Workers only."
  type        = map(string)
}

variable "web_environment" {
  description = "Environment variables of Web only."
  type        = map(string)
}

variable "workers_secrets" {
  description = "Workers' secret environment variables: name -> Secrets Manager ARN (with :json-key:: when needed)."
  type        = map(string)
}

variable "web_secrets" {
  description = "Web's secret environment variables: name -> Secrets Manager ARN (with :json-key:: when needed)."
  type        = map(string)
}

variable "secret_arns" {
  description = "Every secret the tasks read (the execution role may read these only)."
  type        = list(string)
}

variable "secrets_kms_key_arn" {
  description = "Key encrypting the secrets."
  type        = string
}

variable "workers_count" {
  description = "Workers tasks."
  type        = number
}

variable "web_count" {
  description = "Web tasks."
  type        = number
}

variable "task_cpu" {
  description = "CPU units per task."
  type        = number
}

variable "task_memory_mb" {
  description = "Memory per task in MiB."
  type        = number
}

variable "log_retention_days" {
  description = "CloudWatch log retention."
  type        = number
}
