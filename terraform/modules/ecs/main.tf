# Workers and Web on ECS Fargate. Web sits behind an HTTPS ALB; Workers take no inbound traffic. Every task runs an
# OpenTelemetry collector sidecar: the service sends OTLP to localhost:4317, the collector writes metrics to
# CloudWatch (embedded metric format) and forwards traces and logs to an OTLP backend when one is configured.

data "aws_region" "current" {}

locals {
  region    = data.aws_region.current.region
  http_port = 8080
  services  = ["workers", "web"]

  collector_config = yamlencode({
    receivers = { otlp = { protocols = { grpc = { endpoint = "127.0.0.1:4317" }, http = { endpoint = "127.0.0.1:4318" } } } }
    processors = { batch = {} }
    exporters = merge(
      {
        awsemf = { region = local.region, log_group_name = aws_cloudwatch_log_group.metrics.name, namespace = "EnergyPipeline" }
        debug  = { verbosity = "basic" }
      },
      var.otlp_endpoint == "" ? {} : { otlphttp = { endpoint = var.otlp_endpoint } },
    )
    service = {
      pipelines = {
        metrics = { receivers = ["otlp"], processors = ["batch"], exporters = ["awsemf"] }
        traces  = { receivers = ["otlp"], processors = ["batch"], exporters = [var.otlp_endpoint == "" ? "debug" : "otlphttp"] }
        logs    = { receivers = ["otlp"], processors = ["batch"], exporters = [var.otlp_endpoint == "" ? "debug" : "otlphttp"] }
      }
    }
  })
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

# ---- logs ----------------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "service" {
  for_each = toset(local.services)

  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "collector" {
  name              = "/ecs/${var.name}/otel-collector"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "metrics" {
  name              = "/ecs/${var.name}/metrics"
  retention_in_days = var.log_retention_days
}

# ---- roles: the execution role pulls images, writes console logs and reads the secrets -----------------------------

data "aws_iam_policy_document" "ecs_tasks_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-task-execution"
  description        = "ECS agent: pull images, write console logs, read the tasks' secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

# AWS's managed policy: ECR pulls (ecr:GetAuthorizationToken has no resource-level form) and log delivery.
resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution_secrets" {
  statement {
    sid       = "ReadTaskSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = var.secret_arns
  }

  statement {
    sid       = "DecryptTaskSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  name   = "task-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution_secrets.json
}

# The collector in each task writes metrics (EMF) to its log group with the task's own role.
data "aws_iam_policy_document" "collector" {
  statement {
    sid       = "EmbeddedMetrics"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [aws_cloudwatch_log_group.metrics.arn, "${aws_cloudwatch_log_group.metrics.arn}:log-stream:*"]
  }
}

resource "aws_iam_role_policy" "collector" {
  for_each = { workers = var.workers_role_arn, web = var.web_role_arn }

  name   = "otel-collector-metrics"
  role   = element(split("/", each.value), length(split("/", each.value)) - 1)
  policy = data.aws_iam_policy_document.collector.json
}

# ---- network -------------------------------------------------------------------------------------------------------

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Web's load balancer: HTTPS from the allowed networks"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = toset(var.allowed_cidrs)

  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "HTTPS"
}

resource "aws_vpc_security_group_ingress_rule" "alb_http_redirect" {
  for_each = toset(var.allowed_cidrs)

  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  description       = "HTTP, redirected to HTTPS"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  referenced_security_group_id = var.tasks_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = local.http_port
  to_port                      = local.http_port
  description                  = "to Web"
}

# ---- load balancer -------------------------------------------------------------------------------------------------

resource "aws_lb" "web" {
  name                       = substr("${var.name}-web", 0, 32)
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  # Blazor Server keeps a circuit per browser tab over one long-lived connection.
  idle_timeout = 300
}

resource "aws_lb_target_group" "web" {
  name        = substr("${var.name}-web", 0, 32)
  port        = local.http_port
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  health_check {
    path                = "/health"
    matcher             = "200"
    healthy_threshold   = 2
    unhealthy_threshold = 3
    interval            = 15
  }

  # Blazor Server circuits live on one task: keep a browser on it.
  stickiness {
    type            = "lb_cookie"
    cookie_duration = 86400
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }

  lifecycle {
    precondition {
      condition     = var.certificate_arn != ""
      error_message = "certificate_arn is required when enable_ecs is true: Web is served over HTTPS only."
    }
  }
}

resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

# ---- tasks ---------------------------------------------------------------------------------------------------------

locals {
  common_environment = merge(var.environment, {
    ASPNETCORE_ENVIRONMENT      = "Production"
    DOTNET_ENVIRONMENT          = "Production"
    ASPNETCORE_HTTP_PORTS       = tostring(local.http_port)
    OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4317"
    OTEL_EXPORTER_OTLP_PROTOCOL = "grpc"
  })

  collector_container = {
    name        = "otel-collector"
    image       = var.otel_collector_image
    essential   = false
    command     = ["--config=env:COLLECTOR_CONFIG"]
    environment = [{ name = "COLLECTOR_CONFIG", value = local.collector_config }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.collector.name
        "awslogs-region"        = local.region
        "awslogs-stream-prefix" = "otel"
      }
    }
  }

  # Each service's task and how it is deployed. Workers roll with half their tasks down at most (Temporal hands a
  # stopped worker's tasks to the others, Kafka rebalances its partitions); Web keeps all of its tasks serving the ALB.
  tasks = {
    workers = {
      image                   = var.workers_image
      role_arn                = var.workers_role_arn
      environment             = merge(local.common_environment, var.workers_environment, { OTEL_SERVICE_NAME = "workers" })
      secrets                 = var.workers_secrets
      desired_count           = var.workers_count
      minimum_healthy_percent = 50
      behind_alb              = false
    }
    web = {
      image                   = var.web_image
      role_arn                = var.web_role_arn
      environment             = merge(local.common_environment, var.web_environment, { OTEL_SERVICE_NAME = "web" })
      secrets                 = var.web_secrets
      desired_count           = var.web_count
      minimum_healthy_percent = 100
      behind_alb              = true
    }
  }
}

resource "aws_ecs_task_definition" "service" {
  for_each = local.tasks

  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory_mb
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = each.value.role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([
    {
      name         = each.key
      image        = each.value.image
      essential    = true
      portMappings = [{ containerPort = local.http_port, protocol = "tcp" }]
      environment  = [for k, v in each.value.environment : { name = k, value = v }]
      secrets      = [for k, v in each.value.secrets : { name = k, valueFrom = v }]
      dependsOn    = [{ containerName = "otel-collector", condition = "START" }]
      # Liveness only: a dependency that is down must not make ECS replace every task (the ALB uses /health).
      healthCheck = {
        command     = ["CMD", "curl", "-fsS", "http://127.0.0.1:${local.http_port}/alive"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 60
      }
      stopTimeout = 60
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group"         = aws_cloudwatch_log_group.service[each.key].name
          "awslogs-region"        = local.region
          "awslogs-stream-prefix" = each.key
        }
      }
    },
    local.collector_container,
  ])
}

resource "aws_ecs_service" "service" {
  for_each = local.tasks

  name            = each.key
  cluster         = aws_ecs_cluster.this.id
  task_definition = aws_ecs_task_definition.service[each.key].arn
  desired_count   = each.value.desired_count
  launch_type     = "FARGATE"

  deployment_minimum_healthy_percent = each.value.minimum_healthy_percent
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [var.tasks_security_group_id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = each.value.behind_alb ? [aws_lb_target_group.web.arn] : []

    content {
      target_group_arn = load_balancer.value
      container_name   = each.key
      container_port   = local.http_port
    }
  }

  depends_on = [aws_lb_listener.https]
}

# The services were two resources before: their state moves to the for_each instances instead of being replaced.
moved {
  from = aws_ecs_service.workers
  to   = aws_ecs_service.service["workers"]
}

moved {
  from = aws_ecs_service.web
  to   = aws_ecs_service.service["web"]
}
