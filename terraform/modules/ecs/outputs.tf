output "web_url" {
  description = "Web's address (point a DNS name covered by the certificate at it)."
  value       = "https://${aws_lb.web.dns_name}"
}

output "cluster_name" {
  description = "The ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "log_groups" {
  description = "CloudWatch log groups of the services, the collector and the metrics."
  value       = concat([for g in aws_cloudwatch_log_group.service : g.name], [aws_cloudwatch_log_group.collector.name, aws_cloudwatch_log_group.metrics.name])
}

output "alb_security_group_id" {
  description = "Security group of the ALB (the tasks admit it)."
  value       = aws_security_group.alb.id
}
