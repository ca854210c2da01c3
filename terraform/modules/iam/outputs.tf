output "workers_role_arn" {
  description = "Task role of Workers."
  value       = aws_iam_role.workers.arn
}

output "web_role_arn" {
  description = "Task role of Web."
  value       = aws_iam_role.web.arn
}

output "analysts_role_arn" {
  description = "Role analysts assume for Athena."
  value       = aws_iam_role.analysts.arn
}
