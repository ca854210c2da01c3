# Athena over the Parquet exports: a Glue table per exported dataset, partitions found by projection (no crawler,
# no MSCK REPAIR), and a workgroup whose results are encrypted with the lake's key.

resource "aws_glue_catalog_database" "lake" {
  name        = var.database
  description = "Energy Pipeline lake: Parquet exports written by Workers"
}

resource "aws_glue_catalog_table" "trades" {
  name          = "trades"
  database_name = aws_glue_catalog_database.lake.name
  description   = "Validated trade legs, one Parquet file per delivery day and area (Trades/Export/TradePartition.cs)"
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    "classification"                        = "parquet"
    "EXTERNAL"                              = "TRUE"
    "projection.enabled"                    = "true"
    "projection.deliverydate.type"          = "date"
    "projection.deliverydate.format"        = "yyyy-MM-dd"
    "projection.deliverydate.range"         = "${var.first_delivery_date},NOW+2DAYS"
    "projection.deliverydate.interval"      = "1"
    "projection.deliverydate.interval.unit" = "DAYS"
    "projection.deliveryarea.type"          = "enum"
    "projection.deliveryarea.values"        = join(",", var.delivery_areas)
    "storage.location.template"             = "s3://${var.bucket_name}/trades/deliveryDate=$${deliverydate}/deliveryArea=$${deliveryarea}/"
  }

  partition_keys {
    name = "deliverydate"
    type = "string"
  }

  partition_keys {
    name = "deliveryarea"
    type = "string"
  }

  storage_descriptor {
    location      = "s3://${var.bucket_name}/trades/"
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }

    # The file's columns (camelCase in Parquet; Athena matches names case-insensitively). deliveryArea and
    # deliveryDate are also partition keys, so the table takes them from the path.
    dynamic "columns" {
      for_each = [
        { name = "tradeid", type = "bigint" },
        { name = "remotetradeid", type = "string" },
        { name = "side", type = "string" },
        { name = "product", type = "string" },
        { name = "deliverystart", type = "timestamp" },
        { name = "deliveryend", type = "timestamp" },
        { name = "executiontime", type = "timestamp" },
        { name = "tradephase", type = "string" },
        { name = "userdefinedblock", type = "string" },
        { name = "selftrade", type = "string" },
        { name = "price", type = "double" },
        { name = "currency", type = "string" },
        { name = "volume", type = "double" },
        { name = "volumeunit", type = "string" },
        { name = "orderid", type = "bigint" },
      ]

      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }
}

resource "aws_athena_workgroup" "analysts" {
  name          = var.workgroup
  description   = "Analysts' queries over the lake; results encrypted with the lake's key"
  force_destroy = false

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff

    result_configuration {
      output_location = "s3://${var.bucket_name}/${var.results_prefix}/"

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }
}
