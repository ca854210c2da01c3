# Exact versions: a plan made today and one made next year use the same providers (bump them deliberately, with
# `terraform init -upgrade` and a reviewed plan).
terraform {
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "= 6.36.0"
    }
    temporalcloud = {
      source  = "temporalio/temporalcloud"
      version = "= 1.9.0"
    }
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = "energy-pipeline"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

# Credentials come from TEMPORAL_CLOUD_API_KEY in the environment, never from a file in the repository. The
# provider is configured even when Temporal Cloud is switched off; it is then never called.
provider "temporalcloud" {}
