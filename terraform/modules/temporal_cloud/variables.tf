variable "name" {
  description = "Namespace name (Temporal Cloud appends the account id)."
  type        = string
}

variable "region" {
  description = "Temporal Cloud region, e.g. aws-eu-central-1."
  type        = string
}

variable "retention_days" {
  description = "Days closed workflow histories are kept."
  type        = number
}

variable "api_key_expiry" {
  description = "RFC 3339 expiry of the workers' API key."
  type        = string
}
