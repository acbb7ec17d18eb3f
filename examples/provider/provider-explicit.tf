# Every setting written out. A value in the provider block wins over the
# environment; leave out whatever you prefer to pass as an environment
# variable (above all the token).
provider "influxdb" {
  url    = "https://us-east-1-1.aws.cloud2.influxdata.com"
  token  = var.influxdb_token
  org_id = "0a1b2c3d4e5f6071"

  # Optional tuning; the values shown are the defaults.
  scripts_api = "auto"
  timeout     = "30s"
  max_retries = 5
  batch_reads = true
}

variable "influxdb_token" {
  type        = string
  sensitive   = true
  description = "InfluxDB Cloud API token with read and write permission on scripts."
}
