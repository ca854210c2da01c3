# MSK Serverless: Kafka without brokers to size. It accepts only IAM authentication (SASL/OAUTHBEARER with AWS
# signatures): see terraform/README.md for what the services need for that.

resource "aws_security_group" "msk" {
  name        = "${var.name}-msk"
  description = "MSK Serverless: Kafka over TLS from the pipeline's tasks"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "msk_from_tasks" {
  for_each = toset(var.client_security_group_ids)

  security_group_id            = aws_security_group.msk.id
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 9098
  to_port                      = 9098
  description                  = "Kafka IAM/TLS listener"
}

resource "aws_msk_serverless_cluster" "this" {
  cluster_name = var.name

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.msk.id]
  }

  client_authentication {
    sasl {
      iam {
        enabled = true
      }
    }
  }
}
