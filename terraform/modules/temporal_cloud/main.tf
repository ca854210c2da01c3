# A Temporal Cloud namespace with API-key authentication and a service account whose key the workers use.

resource "temporalcloud_namespace" "pipeline" {
  name           = var.name
  regions        = [var.region]
  api_key_auth   = true
  retention_days = var.retention_days
}

resource "temporalcloud_service_account" "workers" {
  name           = "${var.name}-workers"
  account_access = "read"

  namespace_accesses = [
    {
      namespace_id = temporalcloud_namespace.pipeline.id
      permission   = "write"
    },
  ]
}

resource "temporalcloud_apikey" "workers" {
  display_name = "${var.name}-workers"
  owner_type   = "service-account"
  owner_id     = temporalcloud_service_account.workers.id
  expiry_time  = var.api_key_expiry
}
