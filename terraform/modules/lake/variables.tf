variable "name" {
  description = "Name prefix of the KMS alias and descriptions."
  type        = string
}

variable "bucket_name" {
  description = "The lake bucket's name."
  type        = string
}

variable "raw_prefixes" {
  description = "Prefixes of raw data that move to Standard-IA and may expire."
  type        = list(string)
}

variable "raw_transition_days" {
  description = "Days before raw objects move to Standard-IA."
  type        = number
}

variable "raw_expiration_days" {
  description = "Days before raw objects expire; 0 = never."
  type        = number
}

variable "noncurrent_version_expiration_days" {
  description = "Days a noncurrent object version is kept."
  type        = number
}

variable "access_log_bucket" {
  description = "Bucket receiving S3 server access logs; empty = off."
  type        = string
}
