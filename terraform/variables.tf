# ---- where and what ----------------------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS region for every resource (the lake, ECS, MSK, RDS)."
  type        = string
  default     = "eu-central-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region code such as eu-central-1."
  }
}

variable "environment" {
  description = "Deployment stage; part of every name and tag, and prod turns on deletion protection."
  type        = string
  default     = "dev"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (lowercase letters, digits, hyphens)."
  type        = string
  default     = "energy-pipeline"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3 to 32 lowercase letters, digits or hyphens, starting with a letter."
  }
}

# ---- the lake ----------------------------------------------------------------------------------------------------

variable "lake_bucket_name" {
  description = "Globally unique name of the S3 bucket holding the Parquet lake (the services' ConnectionStrings:lake Bucket)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.lake_bucket_name)) && !can(regex("\\.\\.", var.lake_bucket_name))
    error_message = "lake_bucket_name must be a valid S3 bucket name: 3 to 63 lowercase letters, digits, dots or hyphens."
  }
}

variable "lake_prefixes" {
  description = "Top-level prefixes the pipeline writes (one folder per table); Workers may write and delete only under these, Web may only read them."
  type        = list(string)
  default     = ["trades", "product_stats", "top_products", "anomalies", "manifests", "meters", "prices", "grid", "raw"]

  validation {
    condition     = length(var.lake_prefixes) > 0 && alltrue([for p in var.lake_prefixes : can(regex("^[a-z0-9_=-]+$", p))])
    error_message = "lake_prefixes must be a non-empty list of single folder names (lowercase letters, digits, _ = -), without slashes or wildcards."
  }
}

variable "raw_prefixes" {
  description = "Prefixes of raw (bronze) data that move to S3 Standard-IA after raw_transition_days and expire after raw_expiration_days (meters/raw: the meter records as received)."
  type        = list(string)
  default     = ["raw", "meters/raw"]

  validation {
    condition     = alltrue([for p in var.raw_prefixes : can(regex("^[a-z0-9_=-]+(/[a-z0-9_=-]+)*$", p))])
    error_message = "raw_prefixes must be folder paths (lowercase letters, digits, _ = -, separated by /) without wildcards or a trailing slash."
  }
}

variable "raw_transition_days" {
  description = "Days after which raw objects move to Standard-IA (S3 requires at least 30)."
  type        = number
  default     = 30

  validation {
    condition     = var.raw_transition_days >= 30
    error_message = "raw_transition_days must be at least 30 (S3's minimum for Standard-IA)."
  }
}

variable "raw_expiration_days" {
  description = "Days after which raw objects expire; 0 keeps them for ever. Must exceed raw_transition_days when set."
  type        = number
  default     = 0

  validation {
    condition     = var.raw_expiration_days == 0 || var.raw_expiration_days > 30
    error_message = "raw_expiration_days must be 0 (never) or more than 30 days."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days a replaced or deleted object version is kept (versioning is on: this bounds what re-exports cost)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "access_log_bucket" {
  description = "Existing bucket receiving the lake's S3 server access logs; empty turns access logging off. (Access logs cannot go to an SSE-KMS bucket: use one with SSE-S3.)"
  type        = string
  default     = ""

  validation {
    condition     = var.access_log_bucket == "" || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_log_bucket))
    error_message = "access_log_bucket must be empty or a valid S3 bucket name."
  }
}

# ---- switches ----------------------------------------------------------------------------------------------------

variable "enable_msk" {
  description = "Create an MSK Serverless cluster for Kafka; false uses kafka_bootstrap_servers (Confluent Cloud or an existing cluster)."
  type        = bool
  default     = false
}

variable "enable_rds" {
  description = "Create an RDS PostgreSQL instance; false uses postgres_connection_string."
  type        = bool
  default     = true
}

variable "enable_temporal_cloud" {
  description = "Create a Temporal Cloud namespace, a service account and its API key; false uses temporal_address (a self-hosted cluster)."
  type        = bool
  default     = true
}

variable "enable_ecs" {
  description = "Run Workers and Web on ECS Fargate (Web behind an HTTPS ALB) with an OpenTelemetry collector sidecar."
  type        = bool
  default     = true
}

variable "enable_glue" {
  description = "Create the Glue database, a table over each table of the lake (trades, meters, prices, grid) and an Athena workgroup for analysts."
  type        = bool
  default     = true
}

# ---- network -----------------------------------------------------------------------------------------------------

variable "vpc_id" {
  description = "Existing VPC for ECS, MSK and RDS (empty only when all three are switched off)."
  type        = string
  default     = ""

  validation {
    condition     = var.vpc_id == "" || can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be empty or a VPC id (vpc-...)."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets (at least two availability zones) for tasks, MSK and RDS."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "private_subnet_ids must be subnet ids (subnet-...)."
  }
}

variable "public_subnet_ids" {
  description = "Public subnets (at least two availability zones) for the ALB in front of Web."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "public_subnet_ids must be subnet ids (subnet-...)."
  }
}

variable "web_allowed_cidrs" {
  description = "CIDR blocks that may reach Web's ALB on HTTPS."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.web_allowed_cidrs : can(cidrhost(c, 0))])
    error_message = "web_allowed_cidrs must be CIDR blocks such as 203.0.113.0/24."
  }
}

variable "certificate_arn" {
  description = "ACM certificate for Web's HTTPS listener (required with enable_ecs; the ALB serves no plain HTTP content)."
  type        = string
  default     = ""

  validation {
    condition     = var.certificate_arn == "" || can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be empty or an ACM certificate ARN."
  }
}

# ---- external services when a module is off ----------------------------------------------------------------------

variable "kafka_bootstrap_servers" {
  description = "Bootstrap servers of an existing Kafka cluster (host:port,...), used when enable_msk is false."
  type        = string
  default     = ""
}

variable "kafka_sasl_plain" {
  description = "Authenticate to kafka_bootstrap_servers with SASL/PLAIN over TLS (Confluent Cloud): the API key and secret go into the kafka-sasl secret this creates. Only with enable_msk = false (MSK Serverless uses IAM)."
  type        = bool
  default     = false
}

variable "postgres_connection_string" {
  description = "Npgsql connection string of an existing PostgreSQL (without the password: PGPASSWORD comes from postgres_password_secret_arn), used when enable_rds is false."
  type        = string
  default     = ""
}

variable "postgres_password_secret_arn" {
  description = "Secrets Manager secret whose 'password' JSON key is PostgreSQL's password, used when enable_rds is false."
  type        = string
  default     = ""
}

variable "temporal_address" {
  description = "host:port of a self-hosted Temporal frontend, used when enable_temporal_cloud is false."
  type        = string
  default     = ""
}

# ---- PostgreSQL --------------------------------------------------------------------------------------------------

variable "rds_instance_class" {
  description = "RDS instance class of the pipeline's PostgreSQL."
  type        = string
  default     = "db.t4g.medium"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.rds_instance_class))
    error_message = "rds_instance_class must look like db.t4g.medium."
  }
}

variable "rds_engine_version" {
  description = "PostgreSQL major version on RDS (the pipeline is tested on 15)."
  type        = string
  default     = "15"

  validation {
    condition     = contains(["15", "16", "17"], var.rds_engine_version)
    error_message = "rds_engine_version must be 15, 16 or 17."
  }
}

variable "rds_allocated_storage_gb" {
  description = "Initial gp3 storage of RDS in GiB; storage autoscaling may grow it to four times this."
  type        = number
  default     = 50

  validation {
    condition     = var.rds_allocated_storage_gb >= 20 && var.rds_allocated_storage_gb <= 16384
    error_message = "rds_allocated_storage_gb must be between 20 and 16384."
  }
}

variable "rds_backup_retention_days" {
  description = "Days of automated backups and point-in-time recovery for RDS."
  type        = number
  default     = 14

  validation {
    condition     = var.rds_backup_retention_days >= 1 && var.rds_backup_retention_days <= 35
    error_message = "rds_backup_retention_days must be between 1 and 35."
  }
}

variable "rds_multi_az" {
  description = "Run RDS with a synchronous standby in a second availability zone (doubles its cost)."
  type        = bool
  default     = false
}

# ---- Temporal Cloud ----------------------------------------------------------------------------------------------

variable "temporal_cloud_region" {
  description = "Temporal Cloud region of the namespace, prefixed by the cloud provider (aws-eu-central-1)."
  type        = string
  default     = "aws-eu-central-1"

  validation {
    condition     = can(regex("^(aws|gcp)-[a-z0-9-]+$", var.temporal_cloud_region))
    error_message = "temporal_cloud_region must look like aws-eu-central-1."
  }
}

variable "temporal_retention_days" {
  description = "Days Temporal Cloud keeps closed workflow histories (replay tests and investigations read them)."
  type        = number
  default     = 14

  validation {
    condition     = var.temporal_retention_days >= 1 && var.temporal_retention_days <= 90
    error_message = "temporal_retention_days must be between 1 and 90."
  }
}

variable "temporal_api_key_expiry" {
  description = "RFC 3339 time at which the workers' Temporal Cloud API key expires (rotate before it: a new key, a new secret version, a redeploy)."
  type        = string
  default     = "2027-12-31T00:00:00Z"

  validation {
    condition     = can(formatdate("YYYY", var.temporal_api_key_expiry))
    error_message = "temporal_api_key_expiry must be an RFC 3339 timestamp such as 2027-12-31T00:00:00Z."
  }
}

variable "temporal_namespace" {
  description = "Temporal namespace the workers use with a self-hosted cluster (Temporal Cloud names it <name_prefix>-<environment>.<account>)."
  type        = string
  default     = "default"

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$", var.temporal_namespace))
    error_message = "temporal_namespace must be 1 to 63 letters, digits, dots, underscores or hyphens."
  }
}

# ---- ECS services ------------------------------------------------------------------------------------------------

variable "workers_image" {
  description = "Workers image (deploy/workers.Dockerfile), pinned by digest (repo@sha256:...) or an exact tag; never latest."
  type        = string
  default     = "ghcr.io/example/energy-pipeline-workers:0.1.0"

  validation {
    condition     = can(regex("(@sha256:[0-9a-f]{64}|:[0-9A-Za-z._-]+)$", var.workers_image)) && !endswith(var.workers_image, ":latest")
    error_message = "workers_image must end in @sha256:<digest> or an exact tag other than latest."
  }
}

variable "web_image" {
  description = "Web image (deploy/web.Dockerfile), pinned by digest (repo@sha256:...) or an exact tag; never latest."
  type        = string
  default     = "ghcr.io/example/energy-pipeline-web:0.1.0"

  validation {
    condition     = can(regex("(@sha256:[0-9a-f]{64}|:[0-9A-Za-z._-]+)$", var.web_image)) && !endswith(var.web_image, ":latest")
    error_message = "web_image must end in @sha256:<digest> or an exact tag other than latest."
  }
}

variable "otel_collector_image" {
  description = "OpenTelemetry collector (contrib) image run as a sidecar in every task; exact tag."
  type        = string
  default     = "otel/opentelemetry-collector-contrib:0.115.1"

  validation {
    condition     = can(regex(":[0-9A-Za-z._-]+$", var.otel_collector_image)) && !endswith(var.otel_collector_image, ":latest")
    error_message = "otel_collector_image must carry an exact tag other than latest."
  }
}

variable "otlp_traces_endpoint" {
  description = "OTLP/HTTP endpoint receiving traces and logs from the collector (Honeycomb, Grafana Cloud, a self-hosted backend); empty keeps only metrics (CloudWatch EMF) and console logs (CloudWatch Logs)."
  type        = string
  default     = ""

  validation {
    condition     = var.otlp_traces_endpoint == "" || can(regex("^https://", var.otlp_traces_endpoint))
    error_message = "otlp_traces_endpoint must be empty or an https:// URL."
  }
}

variable "workers_count" {
  description = "Number of Workers tasks; Kafka partitions and Temporal task queues spread the work among them."
  type        = number
  default     = 2

  validation {
    condition     = var.workers_count >= 1 && var.workers_count <= 64
    error_message = "workers_count must be between 1 and 64 (more than a topic's partitions leaves consumers idle)."
  }
}

variable "web_count" {
  description = "Number of Web tasks behind the ALB."
  type        = number
  default     = 2

  validation {
    condition     = var.web_count >= 1 && var.web_count <= 16
    error_message = "web_count must be between 1 and 16."
  }
}

variable "task_cpu" {
  description = "Fargate CPU units per task (the service and its collector sidecar share them)."
  type        = number
  default     = 1024

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.task_cpu)
    error_message = "task_cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "task_memory_mb" {
  description = "Fargate memory per task in MiB (must suit task_cpu)."
  type        = number
  default     = 2048

  validation {
    condition     = var.task_memory_mb >= 512 && var.task_memory_mb <= 122880
    error_message = "task_memory_mb must be between 512 and 122880."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the services' logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch's retention values (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "trade_feed_url" {
  description = "WebSocket URL of the trades feed Workers read (TradeFeed:Url); empty leaves the live feed off (files and backfills still work)."
  type        = string
  default     = ""

  validation {
    condition     = var.trade_feed_url == "" || can(regex("^wss?://", var.trade_feed_url))
    error_message = "trade_feed_url must be empty or a ws:// or wss:// URL."
  }
}

# ---- analysts ----------------------------------------------------------------------------------------------------

variable "analyst_principal_arns" {
  description = "IAM users or roles allowed to assume the read-only analysts role (Athena over the lake)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.analyst_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|user/.+|role/.+)$", a))])
    error_message = "analyst_principal_arns must be IAM user, role or account-root ARNs."
  }
}

variable "delivery_areas" {
  description = "Delivery areas the trades table's partition projection enumerates (the deliveryArea= folders)."
  type        = list(string)
  default     = ["AT", "BE", "DE", "FR", "NL"]

  validation {
    condition     = length(var.delivery_areas) > 0 && alltrue([for a in var.delivery_areas : can(regex("^[A-Za-z0-9_-]+$", a))])
    error_message = "delivery_areas must be a non-empty list of area codes."
  }
}

variable "meter_devices" {
  description = "Meter devices the meters tables' partition projection enumerates (the device= folders; Meters:Feed:Devices)."
  type        = list(string)
  default     = ["device1", "device2"]

  validation {
    condition     = length(var.meter_devices) > 0 && alltrue([for d in var.meter_devices : can(regex("^[A-Za-z0-9_.-]+$", d))])
    error_message = "meter_devices must be a non-empty list of device ids (letters, digits, _ . -)."
  }
}

variable "price_symbols" {
  description = "Symbols the price tables' partition projection enumerates (the symbol= folders; PriceFeed:Symbols)."
  type        = list(string)
  default     = ["AAPL", "AMZN", "GOOG", "MSFT", "TSLA"]

  validation {
    condition     = length(var.price_symbols) > 0 && alltrue([for s in var.price_symbols : can(regex("^[A-Za-z0-9_.~-]+$", s))])
    error_message = "price_symbols must be a non-empty list of symbols as their folders spell them (letters, digits, _ . ~ -)."
  }
}

variable "grid_datasets" {
  description = "Energy-Charts datasets the grid tables' partition projection enumerates (the dataset= folders)."
  type        = list(string)
  default     = ["public_power", "price", "installed_power"]

  validation {
    condition     = length(var.grid_datasets) > 0 && alltrue([for d in var.grid_datasets : can(regex("^[a-z0-9_]+$", d))])
    error_message = "grid_datasets must be a non-empty list of dataset names (lowercase letters, digits, _)."
  }
}

variable "grid_areas" {
  description = "Areas the grid tables' partition projection enumerates (the area= folders: Grid:Country and Grid:BiddingZone)."
  type        = list(string)
  default     = ["de", "DE-LU"]

  validation {
    condition     = length(var.grid_areas) > 0 && alltrue([for a in var.grid_areas : can(regex("^[A-Za-z0-9_.~-]+$", a))])
    error_message = "grid_areas must be a non-empty list of area codes as their folders spell them."
  }
}

variable "web_operators" {
  description = "Names of Web's operators; each one's PBKDF2 hash is the same-named key of the web-operators secret (put it with the CLI, see README)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.web_operators : can(regex("^[A-Za-z0-9_.-]+$", o))])
    error_message = "web_operators must be names of letters, digits, dots, underscores or hyphens."
  }
}
