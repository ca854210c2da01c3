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

variable "first_day" {
  description = "Earliest day (deliveryDate or day partition, yyyy-MM-dd) the projections consider."
  type        = string
}

variable "meter_devices" {
  description = "Values of the meters tables' device partition (the device= folders)."
  type        = list(string)
}

variable "price_symbols" {
  description = "Values of the price tables' symbol partition (the symbol= folders)."
  type        = list(string)
}

variable "grid_datasets" {
  description = "Values of the grid tables' dataset partition (the Energy-Charts datasets ingested)."
  type        = list(string)
}

variable "grid_areas" {
  description = "Values of the grid tables' area partition (the country and the bidding zone, as in the area= folders)."
  type        = list(string)
}

variable "bytes_scanned_cutoff" {
  description = "Bytes one query may scan before Athena cancels it (a cost guard)."
  type        = number
}
