# Energy Pipeline on AWS: the lake and its least-privilege roles always; the rest behind switches so that an
# existing Kafka, PostgreSQL or Temporal can be used instead. terraform/README.md has the apply steps.

locals {
  name                  = "${var.name_prefix}-${var.environment}"
  needs_network         = var.enable_ecs || var.enable_rds || var.enable_msk
  glue_database         = replace("${var.name_prefix}_${var.environment}", "-", "_")
  athena_workgroup      = "${local.name}-analysts"
  athena_results_prefix = "athena-results"

  # The topics and consumer groups the services use (AppHost/Program.cs; the Group constants of Workers' ingestion
  # classes and the price report's consumer key). MSK IAM grants name each of them: no wildcard.
  kafka_topics          = ["energy.trades.v1", "pipeline.heartbeat", "energy.meters.v1", "prices"]
  kafka_consumer_groups = ["workers-trades", "workers-heartbeat", "workers-meters", "prices-report"]
}

check "one_kafka_authentication" {
  assert {
    condition     = !(var.enable_msk && var.kafka_sasl_plain)
    error_message = "kafka_sasl_plain is for an external cluster (enable_msk = false): MSK Serverless authenticates with IAM."
  }
}

check "network_given" {
  assert {
    condition     = !local.needs_network || (var.vpc_id != "" && length(var.private_subnet_ids) >= 2)
    error_message = "enable_ecs, enable_rds and enable_msk need vpc_id and at least two private_subnet_ids."
  }
}

module "lake" {
  source = "./modules/lake"

  name                               = local.name
  bucket_name                        = var.lake_bucket_name
  raw_prefixes                       = var.raw_prefixes
  raw_transition_days                = var.raw_transition_days
  raw_expiration_days                = var.raw_expiration_days
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  access_log_bucket                  = var.access_log_bucket
}

module "iam" {
  source = "./modules/iam"

  name                   = local.name
  bucket_arn             = module.lake.bucket_arn
  kms_key_arn            = module.lake.kms_key_arn
  lake_prefixes          = var.lake_prefixes
  athena_results_prefix  = local.athena_results_prefix
  athena_workgroup       = local.athena_workgroup
  glue_database          = local.glue_database
  glue_tables            = var.enable_glue ? module.glue[0].tables : []
  analyst_principal_arns = var.analyst_principal_arns
  msk_cluster_arn        = var.enable_msk ? module.msk[0].cluster_arn : ""
  kafka_topics           = local.kafka_topics
  kafka_consumer_groups  = local.kafka_consumer_groups
}

module "glue" {
  source = "./modules/glue"
  count  = var.enable_glue ? 1 : 0

  database             = local.glue_database
  workgroup            = local.athena_workgroup
  bucket_name          = module.lake.bucket_name
  kms_key_arn          = module.lake.kms_key_arn
  results_prefix       = local.athena_results_prefix
  first_day            = "2023-01-01"
  delivery_areas       = var.delivery_areas
  meter_devices        = var.meter_devices
  price_symbols        = var.price_symbols
  grid_datasets        = var.grid_datasets
  grid_areas           = var.grid_areas
  bytes_scanned_cutoff = 10 * 1024 * 1024 * 1024
}

# The tasks' security group: PostgreSQL and Kafka admit it, the ALB forwards to it.
resource "aws_security_group" "tasks" {
  count = local.needs_network ? 1 : 0

  name        = "${local.name}-tasks"
  description = "Workers and Web tasks"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_tasks" {
  count = local.needs_network ? 1 : 0

  security_group_id            = aws_security_group.tasks[0].id
  referenced_security_group_id = aws_security_group.tasks[0].id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  description                  = "Web checks Workers' /health"
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  count = var.enable_ecs ? 1 : 0

  security_group_id            = aws_security_group.tasks[0].id
  referenced_security_group_id = module.ecs[0].alb_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  description                  = "Web from the ALB"
}

# Outbound: PostgreSQL, Kafka, Temporal Cloud, S3, Secrets Manager and the OTLP backend (through NAT or endpoints).
resource "aws_vpc_security_group_egress_rule" "tasks_out" {
  count = local.needs_network ? 1 : 0

  security_group_id = aws_security_group.tasks[0].id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 0
  to_port           = 65535
  description       = "dependencies"
}

module "msk" {
  source = "./modules/msk"
  count  = var.enable_msk ? 1 : 0

  name                      = local.name
  vpc_id                    = var.vpc_id
  subnet_ids                = var.private_subnet_ids
  client_security_group_ids = [aws_security_group.tasks[0].id]
}

module "rds" {
  source = "./modules/rds"
  count  = var.enable_rds ? 1 : 0

  name                      = local.name
  vpc_id                    = var.vpc_id
  subnet_ids                = var.private_subnet_ids
  client_security_group_ids = [aws_security_group.tasks[0].id]
  engine_version            = var.rds_engine_version
  instance_class            = var.rds_instance_class
  allocated_storage_gb      = var.rds_allocated_storage_gb
  backup_retention_days     = var.rds_backup_retention_days
  multi_az                  = var.rds_multi_az
  deletion_protection       = var.environment == "prod"
  database                  = "pipeline"
  username                  = "pipeline"
}

module "temporal_cloud" {
  source = "./modules/temporal_cloud"
  count  = var.enable_temporal_cloud ? 1 : 0

  name           = local.name
  region         = var.temporal_cloud_region
  retention_days = var.temporal_retention_days
  api_key_expiry = var.temporal_api_key_expiry
}

module "secrets" {
  source = "./modules/secrets"

  name                     = local.name
  temporal_api_key_enabled = var.enable_temporal_cloud
  kafka_sasl_enabled       = var.kafka_sasl_plain
  temporal_api_key         = var.enable_temporal_cloud ? module.temporal_cloud[0].api_key : ""
}

locals {
  postgres_connection_string = var.enable_rds ? module.rds[0].connection_string : var.postgres_connection_string
  postgres_password_secret   = var.enable_rds ? module.rds[0].master_user_secret_arn : var.postgres_password_secret_arn
  kafka_bootstrap_servers    = var.enable_msk ? module.msk[0].bootstrap_brokers : var.kafka_bootstrap_servers
  temporal_address           = var.enable_temporal_cloud ? module.temporal_cloud[0].grpc_address : var.temporal_address
  temporal_namespace         = var.enable_temporal_cloud ? module.temporal_cloud[0].namespace : var.temporal_namespace

  # The same names the AppHost hands the services (ConnectionStrings__<resource>); the lake uses the task role.
  service_environment = merge(
    {
      ConnectionStrings__postgres = local.postgres_connection_string
      ConnectionStrings__kafka    = local.kafka_bootstrap_servers
      ConnectionStrings__lake     = "Bucket=${module.lake.bucket_name};Region=${var.aws_region}"
      ConnectionStrings__temporal = local.temporal_address
      Temporal__Namespace         = local.temporal_namespace
    },
    # MSK Serverless speaks SASL/IAM only: the services sign OAUTHBEARER tokens with the task role's credentials
    # (ServiceDefaults/Kafka, Kafka:Authentication=AwsMskIam). Confluent Cloud: SASL/PLAIN with the kafka-sasl secret.
    var.enable_msk ? {
      Kafka__Authentication = "AwsMskIam"
      Kafka__Aws__Region    = var.aws_region
    } : {},
    var.kafka_sasl_plain ? { Kafka__Authentication = "SaslPlain" } : {},
  )

  postgres_secret = local.postgres_password_secret == "" ? {} : { PGPASSWORD = "${local.postgres_password_secret}:password::" }
  temporal_secret = var.enable_temporal_cloud ? { Temporal__ApiKey = module.secrets.temporal_api_key_arn } : {}
  kafka_secrets = var.kafka_sasl_plain ? {
    Kafka__Sasl__Username = "${module.secrets.kafka_sasl_arn}:username::"
    Kafka__Sasl__Password = "${module.secrets.kafka_sasl_arn}:password::"
  } : {}
  operator_secrets = {
    for op in var.web_operators : "Operators__${op}__PasswordHash" => "${module.secrets.operators_arn}:${op}::"
  }
}

module "ecs" {
  source = "./modules/ecs"
  count  = var.enable_ecs ? 1 : 0

  name                    = local.name
  vpc_id                  = var.vpc_id
  tasks_security_group_id = aws_security_group.tasks[0].id
  private_subnet_ids      = var.private_subnet_ids
  public_subnet_ids       = var.public_subnet_ids
  allowed_cidrs           = var.web_allowed_cidrs
  certificate_arn         = var.certificate_arn
  workers_image           = var.workers_image
  web_image               = var.web_image
  otel_collector_image    = var.otel_collector_image
  otlp_endpoint           = var.otlp_traces_endpoint
  workers_role_arn        = module.iam.workers_role_arn
  web_role_arn            = module.iam.web_role_arn
  environment             = local.service_environment
  workers_environment     = var.trade_feed_url == "" ? {} : { TradeFeed__Url = var.trade_feed_url }
  web_environment         = {}
  workers_secrets         = merge(local.postgres_secret, local.temporal_secret, local.kafka_secrets)
  web_secrets             = merge(local.postgres_secret, local.temporal_secret, local.kafka_secrets, local.operator_secrets)
  secret_arns = compact([
    local.postgres_password_secret,
    module.secrets.temporal_api_key_arn,
    module.secrets.kafka_sasl_arn,
    module.secrets.operators_arn,
  ])
  secrets_kms_key_arn = module.secrets.kms_key_arn
  workers_count       = var.workers_count
  web_count           = var.web_count
  task_cpu            = var.task_cpu
  task_memory_mb      = var.task_memory_mb
  log_retention_days  = var.log_retention_days
}
