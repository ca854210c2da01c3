# Least privilege: Workers read and write only the lake's prefixes; Web and analysts only read. Every statement
# names its resources (the bucket, its prefixes, the key, the Glue table, the Athena workgroup): no "*".

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account        = data.aws_caller_identity.current.account_id
  partition      = data.aws_partition.current.partition
  region         = data.aws_region.current.region
  prefix_objects = [for p in var.lake_prefixes : "${var.bucket_arn}/${p}/*"]
  list_prefixes  = [for p in var.lake_prefixes : "${p}/*"]
}

data "aws_iam_policy_document" "ecs_tasks_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

# ---- Workers: put/get/list/delete under the lake's prefixes --------------------------------------------------------

data "aws_iam_policy_document" "workers" {
  statement {
    sid       = "LakeObjects"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
    resources = local.prefix_objects
  }

  statement {
    sid       = "LakeListing"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = local.list_prefixes
    }
  }

  statement {
    sid       = "LakeKey"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  dynamic "statement" {
    for_each = var.msk_cluster_arn == "" ? [] : [var.msk_cluster_arn]

    content {
      sid       = "KafkaCluster"
      actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.msk_cluster_arn == "" ? [] : [var.msk_cluster_arn]

    content {
      sid       = "KafkaTopics"
      actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:WriteData"]
      resources = [for t in var.kafka_topics : "${replace(statement.value, ":cluster/", ":topic/")}/${t}"]
    }
  }

  dynamic "statement" {
    for_each = var.msk_cluster_arn == "" ? [] : [var.msk_cluster_arn]

    content {
      sid       = "KafkaGroups"
      actions   = ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"]
      resources = [for g in var.kafka_consumer_groups : "${replace(statement.value, ":cluster/", ":group/")}/${g}"]
    }
  }
}

resource "aws_iam_role" "workers" {
  name               = "${var.name}-workers"
  description        = "Workers tasks: read and write the lake's prefixes"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

resource "aws_iam_role_policy" "workers" {
  name   = "lake-read-write"
  role   = aws_iam_role.workers.id
  policy = data.aws_iam_policy_document.workers.json
}

# ---- Web: read-only -------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "web" {
  statement {
    sid       = "LakeRead"
    actions   = ["s3:GetObject"]
    resources = local.prefix_objects
  }

  statement {
    sid       = "LakeListing"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = local.list_prefixes
    }
  }

  statement {
    sid       = "LakeKey"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }

  dynamic "statement" {
    for_each = var.msk_cluster_arn == "" ? [] : [var.msk_cluster_arn]

    content {
      sid       = "KafkaConnect"
      actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "web" {
  name               = "${var.name}-web"
  description        = "Web tasks: read the lake"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

resource "aws_iam_role_policy" "web" {
  name   = "lake-read"
  role   = aws_iam_role.web.id
  policy = data.aws_iam_policy_document.web.json
}

# ---- Analysts: Athena over the Glue table, read-only on the lake ---------------------------------------------------

data "aws_iam_policy_document" "analysts_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = length(var.analyst_principal_arns) > 0 ? var.analyst_principal_arns : ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }
}

data "aws_iam_policy_document" "analysts" {
  statement {
    sid       = "LakeRead"
    actions   = ["s3:GetObject"]
    resources = local.prefix_objects
  }

  statement {
    sid       = "LakeListing"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.bucket_arn]
  }

  # Athena writes query results; they live under their own prefix, which nothing else reads.
  statement {
    sid       = "QueryResults"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]
    resources = ["${var.bucket_arn}/${var.athena_results_prefix}/*"]
  }

  statement {
    sid       = "LakeKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid = "Athena"
    actions = [
      "athena:StartQueryExecution",
      "athena:StopQueryExecution",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:GetWorkGroup",
    ]
    resources = ["arn:${local.partition}:athena:${local.region}:${local.account}:workgroup/${var.athena_workgroup}"]
  }

  statement {
    sid     = "Catalog"
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"]
    resources = concat(
      [
        "arn:${local.partition}:glue:${local.region}:${local.account}:catalog",
        "arn:${local.partition}:glue:${local.region}:${local.account}:database/${var.glue_database}",
      ],
      [for t in var.glue_tables : "arn:${local.partition}:glue:${local.region}:${local.account}:table/${var.glue_database}/${t}"],
    )
  }
}

resource "aws_iam_role" "analysts" {
  name               = "${var.name}-analysts"
  description        = "Analysts: Athena queries over the lake, read-only"
  assume_role_policy = data.aws_iam_policy_document.analysts_trust.json
}

resource "aws_iam_role_policy" "analysts" {
  name   = "athena-read"
  role   = aws_iam_role.analysts.id
  policy = data.aws_iam_policy_document.analysts.json
}
