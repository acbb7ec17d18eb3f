terraform {
  required_providers {
    influxdb = {
      source = "tf-influxdb/influxdb"
    }
  }
}

# The smallest configuration: url, token and org_id come from the
# INFLUXDB_URL, INFLUXDB_TOKEN and INFLUXDB_ORG_ID environment variables.
provider "influxdb" {}
