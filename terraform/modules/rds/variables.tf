variable "name" {
  description = "Instance identifier and name prefix."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the instance."
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

variable "engine_version" {
  description = "PostgreSQL major version."
  type        = string
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "allocated_storage_gb" {
  description = "Initial storage in GiB."
  type        = number
}

variable "backup_retention_days" {
  description = "Days of automated backups."
  type        = number
}

variable "multi_az" {
  description = "Synchronous standby in a second availability zone."
  type        = bool
}

variable "deletion_protection" {
  description = "Refuse deletion of the instance."
  type        = bool
}

variable "database" {
  description = "Database the services use."
  type        = string
}

variable "username" {
  description = "Master user the services connect as."
  type        = string
}
