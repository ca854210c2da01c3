variable "name" {
  description = "Name prefix of the roles."
  type        = string
}

variable "bucket_arn" {
  description = "The lake bucket's ARN."
  type        = string
}

variable "kms_key_arn" {
  description = "The lake's KMS key."
  type        = string
}

variable "lake_prefixes" {
  description = "Top-level prefixes of the lake the roles may touch."
  type        = list(string)
}

variable "athena_results_prefix" {
  description = "Prefix under which Athena writes analysts' query results."
  type        = string
}

variable "athena_workgroup" {
  description = "Name of the analysts' Athena workgroup."
  type        = string
}

variable "glue_database" {
  description = "Glue database of the lake's tables."
  type        = string
}

variable "glue_tables" {
  description = "Glue tables analysts may read."
  type        = list(string)
}

variable "analyst_principal_arns" {
  description = "Principals allowed to assume the analysts role; empty = this account's administrators (its root principal)."
  type        = list(string)
}

variable "msk_cluster_arn" {
  description = "MSK cluster the services authenticate to with IAM; empty when Kafka is elsewhere."
  type        = string
}

variable "kafka_topics" {
  description = "Topics Workers read and write on MSK."
  type        = list(string)
}

variable "kafka_consumer_groups" {
  description = "Consumer groups Workers use on MSK."
  type        = list(string)
}
