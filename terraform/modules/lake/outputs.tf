output "bucket_name" {
  description = "The lake bucket's name."
  value       = aws_s3_bucket.lake.id
}

output "bucket_arn" {
  description = "The lake bucket's ARN (IAM policies scope to its prefixes)."
  value       = aws_s3_bucket.lake.arn
}

output "kms_key_arn" {
  description = "The KMS key encrypting the lake; readers and writers need kms:Decrypt / kms:GenerateDataKey on it."
  value       = aws_kms_key.lake.arn
}
