output "connection_string" {
  description = "Npgsql connection string without the password (tasks get PGPASSWORD from the master user secret)."
  value       = "Host=${aws_db_instance.postgres.address};Port=${aws_db_instance.postgres.port};Database=${var.database};Username=${var.username};SSL Mode=Require"
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret RDS manages for the master user (JSON with username and password)."
  value       = aws_db_instance.postgres.master_user_secret[0].secret_arn
}

output "endpoint" {
  description = "host:port of the instance."
  value       = aws_db_instance.postgres.endpoint
}
