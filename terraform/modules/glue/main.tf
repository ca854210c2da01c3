# Athena over the Parquet exports: a Glue table per table of the lake (trades, meters, prices, grid), partitions found
# by projection (no crawler, no MSCK REPAIR), and a workgroup whose results are encrypted with the lake's key.

resource "aws_glue_catalog_database" "lake" {
  name        = var.database
  description = "Energy Pipeline lake: Parquet exports written by Workers"
}

locals {
  # One Glue table per lake table, generated from the tables the writers declare (Formats.Lake.LakeDataset; see
  # tests/Deploy.Tests, which fails when this file and the code differ and regenerates it with UPDATE_GLUE_DATASETS=1):
  # its root folder, the projection template of its partition folders, its partition keys in path order and its
  # files' columns with their Athena types, in file order.
  datasets = jsondecode(file("${path.module}/datasets.json"))

  # How Athena enumerates each partition key (partition projection: no crawler, no MSCK REPAIR). A key means the same
  # in every table that has it.
  day_projection = {
    type            = "date"
    format          = "yyyy-MM-dd"
    range           = "${var.first_day},NOW+2DAYS"
    interval        = "1"
    "interval.unit" = "DAYS"
  }
  projections = {
    deliverydate = local.day_projection
    day          = local.day_projection
    deliveryarea = { type = "enum", values = join(",", var.delivery_areas) }
    device       = { type = "enum", values = join(",", var.meter_devices) }
    symbol       = { type = "enum", values = join(",", var.price_symbols) }
    dataset      = { type = "enum", values = join(",", var.grid_datasets) }
    area         = { type = "enum", values = join(",", var.grid_areas) }
    # A report's id is free text: a query names the report it reads (WHERE report = '…').
    report = { type = "injected" }
  }
}

resource "aws_glue_catalog_table" "export" {
  for_each = local.datasets

  name          = each.key
  database_name = aws_glue_catalog_database.lake.name
  description   = each.value.description
  table_type    = "EXTERNAL_TABLE"

  parameters = merge(
    {
      "classification"     = "parquet"
      "EXTERNAL"           = "TRUE"
      "projection.enabled" = "true"
      "storage.location.template" = "s3://${var.bucket_name}/${each.value.template}"
    },
    merge([
      for key in each.value.partition_keys : {
        for property, value in local.projections[key] : "projection.${key}.${property}" => value
      }
    ]...),
  )

  dynamic "partition_keys" {
    for_each = each.value.partition_keys

    content {
      name = partition_keys.value
      type = "string"
    }
  }

  storage_descriptor {
    location      = "s3://${var.bucket_name}/${each.value.location}"
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
