variable "database" {
  description = "Glue database name (letters, digits, underscores)."
  type        = string
}

variable "workgroup" {
  description = "Athena workgroup name."
  type        = string
}

variable "bucket_name" {
  description = "The lake bucket."
  type        = string
}

variable "kms_key_arn" {
  description = "The lake's KMS key, also encrypting query results."
  type        = string
}

variable "results_prefix" {
  description = "Prefix of Athena's query results in the lake bucket."
  type        = string
}

variable "delivery_areas" {
  description = "Values of the deliveryArea partition."
  type        = list(string)
}

variable "first_delivery_date" {
  description = "Earliest deliveryDate partition the projection considers (yyyy-MM-dd)."
  type        = string
}

variable "first_meter_day" {
  description = "Earliest day partition of the meters tables the projection considers (yyyy-MM-dd, UTC)."
  type        = string
}

variable "meter_devices" {
  description = "Values of the meters tables' device partition (the device= folders)."
  type        = list(string)
}

variable "bytes_scanned_cutoff" {
  description = "Bytes one query may scan before Athena cancels it (a cost guard)."
  type        = number
}
