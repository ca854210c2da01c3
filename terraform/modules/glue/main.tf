# Athena over the Parquet exports: a Glue table per exported trades dataset, partitions found by projection (no crawler,
# no MSCK REPAIR), and a workgroup whose results are encrypted with the lake's key.

resource "aws_glue_catalog_database" "lake" {
  name        = var.database
  description = "Energy Pipeline lake: Parquet exports written by Workers"
}

locals {
  # The columns of each exported table (Trades/Export: TradePartition.Layout and AnalysisFiles), in file order, in
  # lowercase (Athena matches Parquet's camelCase names case-insensitively). deliveryDate and deliveryArea are the
  # partition keys, taken from the path, so they are not repeated here.
  product = [
    { name = "product", type = "string" },
    { name = "deliverystart", type = "timestamp" },
    { name = "deliveryend", type = "timestamp" },
  ]
  stats = [
    { name = "tradecount", type = "int" },
    { name = "avgprice", type = "double" },
    { name = "vwap", type = "double" },
    { name = "avgvolume", type = "double" },
    { name = "totalvolume", type = "double" },
    { name = "minprice", type = "double" },
    { name = "maxprice", type = "double" },
    { name = "stddevprice", type = "double" },
  ]
  tables = {
    trades = {
      description = "Validated trade legs, one file per delivery day and area"
      columns = [
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
    }
    product_stats = {
      description = "Statistics per financial product"
      columns     = concat(local.product, local.stats)
    }
    top_products = {
      description = "Top products by volume, overall and per delivery day and area"
      columns     = concat([{ name = "scope", type = "string" }, { name = "rank", type = "int" }], local.product, local.stats)
    }
    anomalies = {
      description = "Trades whose price is anomalous for their product, with score, threshold and confidence"
      columns = concat(local.product, [
        { name = "tradeid", type = "bigint" },
        { name = "executiontime", type = "timestamp" },
        { name = "price", type = "double" },
        { name = "volume", type = "double" },
        { name = "method", type = "string" },
        { name = "score", type = "double" },
        { name = "threshold", type = "double" },
        { name = "reference", type = "double" },
        { name = "confidence", type = "double" },
      ])
    }
  }
}

resource "aws_glue_catalog_table" "export" {
  for_each = local.tables

  name          = each.key
  database_name = aws_glue_catalog_database.lake.name
  description   = each.value.description
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
    "storage.location.template"             = "s3://${var.bucket_name}/${each.key}/deliveryDate=$${deliverydate}/deliveryArea=$${deliveryarea}/"
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
    location      = "s3://${var.bucket_name}/${each.key}/"
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }

    dynamic "columns" {
      for_each = each.value.columns

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
