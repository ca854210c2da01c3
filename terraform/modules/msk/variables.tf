variable "name" {
  description = "Cluster name."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (two or more availability zones)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups of the tasks allowed to connect."
  type        = list(string)
}
