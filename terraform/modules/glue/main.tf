# Athena over the Parquet exports: a Glue table per exported dataset (trades and meters), partitions found by
# projection (no crawler, no MSCK REPAIR), and a workgroup whose results are encrypted with the lake's key.

resource "aws_glue_catalog_database" "lake" {
  name        = var.database
  description = "Energy Pipeline lake: Parquet exports written by Workers"
}

locals {
  # How each family of exports is partitioned: its Hive-style folders in path order, each a lowercase partition key and
  # its Athena partition projection (no crawler, no MSCK REPAIR). A dataset names one of these.
  partitionings = {
    # Trades/Export: <table>/deliveryDate=yyyy-MM-dd/deliveryArea=XX/
    delivery = [
      {
        key    = "deliverydate"
        folder = "deliveryDate"
        projection = {
          type            = "date"
          format          = "yyyy-MM-dd"
          range           = "${var.first_delivery_date},NOW+2DAYS"
          interval        = "1"
          "interval.unit" = "DAYS"
        }
      },
      { key = "deliveryarea", folder = "deliveryArea", projection = { type = "enum", values = join(",", var.delivery_areas) } },
    ]
    # Meters/Lake (MeterLakePartition): meters/<kind>/day=yyyy-MM-dd/device=<id>/ (UTC days)
    meter_day = [
      {
        key    = "day"
        folder = "day"
        projection = {
          type            = "date"
          format          = "yyyy-MM-dd"
          range           = "${var.first_meter_day},NOW+1DAYS"
          interval        = "1"
          "interval.unit" = "DAYS"
        }
      },
      { key = "device", folder = "device", projection = { type = "enum", values = join(",", var.meter_devices) } },
    ]
  }

  # The columns of the trades exports (Trades/Export: TradePartition.Layout and AnalysisFiles), in file order, in
  # lowercase (Athena matches Parquet's camelCase names case-insensitively). Partition keys come from the path.
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

  # One Glue table per exported dataset: where its files live, how they are partitioned, their columns. The prices and
  # Energy-Charts (grid) exports join here as entries of this map (with a partitioning above if theirs is new) once
  # their layouts are fixed in Prices/ and Grid/.
  datasets = {
    trades = {
      description  = "Validated trade legs, one file per delivery day and area"
      prefix       = "trades"
      partitioning = "delivery"
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
      description  = "Statistics per financial product"
      prefix       = "product_stats"
      partitioning = "delivery"
      columns      = concat(local.product, local.stats)
    }
    top_products = {
      description  = "Top products by volume, overall and per delivery day and area"
      prefix       = "top_products"
      partitioning = "delivery"
      columns      = concat([{ name = "scope", type = "string" }, { name = "rank", type = "int" }], local.product, local.stats)
    }
    anomalies = {
      description  = "Trades whose price is anomalous for their product, with score, threshold and confidence"
      prefix       = "anomalies"
      partitioning = "delivery"
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
    # Meters/Lake: RawFields, ProcessedFields, CleanedFields (snake_case in the files already).
    meters_raw = {
      description  = "Meter Kafka records as received (bronze), per UTC day of measurement and device"
      prefix       = "meters/raw"
      partitioning = "meter_day"
      columns = [
        { name = "topic", type = "string" },
        { name = "partition", type = "int" },
        { name = "offset", type = "bigint" },
        { name = "key", type = "binary" },
        { name = "value", type = "binary" },
        { name = "timestamp", type = "timestamp" },
        { name = "timestamptype", type = "smallint" },
      ]
    }
    meters_processed = {
      description  = "Meter measurements parsed from the raw records, with their source positions"
      prefix       = "meters/processed"
      partitioning = "meter_day"
      columns = [
        { name = "topic", type = "string" },
        { name = "partition", type = "int" },
        { name = "offset", type = "bigint" },
        { name = "t_measurement", type = "timestamp" },
        { name = "t_report", type = "timestamp" },
        { name = "device_id", type = "string" },
        { name = "signal_name", type = "string" },
        { name = "value", type = "double" },
      ]
    }
    meters_cleaned = {
      description  = "Meter series on the 10-second grid, each value measured or filled (method) and its source offset"
      prefix       = "meters/cleaned"
      partitioning = "meter_day"
      columns = [
        { name = "device_id", type = "string" },
        { name = "signal_name", type = "string" },
        { name = "timestamp", type = "timestamp" },
        { name = "value", type = "double" },
        { name = "method", type = "string" },
        { name = "source_offset", type = "bigint" },
      ]
    }
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
      "storage.location.template" = join("", [
        "s3://${var.bucket_name}/${each.value.prefix}/",
        join("", [for p in local.partitionings[each.value.partitioning] : "${p.folder}=$${${p.key}}/"]),
      ])
    },
    merge([
      for p in local.partitionings[each.value.partitioning] : {
        for property, value in p.projection : "projection.${p.key}.${property}" => value
      }
    ]...),
  )

  dynamic "partition_keys" {
    for_each = local.partitionings[each.value.partitioning]

    content {
      name = partition_keys.value.key
      type = "string"
    }
  }

  storage_descriptor {
    location      = "s3://${var.bucket_name}/${each.value.prefix}/"
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
