output "database" {
  description = "Glue database of the lake."
  value       = aws_glue_catalog_database.lake.name
}

output "tables" {
  description = "Glue tables over the lake."
  value       = [for t in aws_glue_catalog_table.export : t.name]
}

output "workgroup" {
  description = "Athena workgroup for analysts."
  value       = aws_athena_workgroup.analysts.name
}
