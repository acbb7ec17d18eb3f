terraform {
  required_version = ">= 1.5.0"

  required_providers {
    influxdb = {
      source = "tf-influxdb/influxdb"
    }
  }
}

# url, token and org_id come from the environment: INFLUXDB_URL,
# INFLUXDB_TOKEN and INFLUXDB_ORG_ID. The same module therefore runs
# against InfluxDB Cloud and against the local emulator.
provider "influxdb" {}

# 1. Create a Flux script that takes the bucket to read as a parameter.
resource "influxdb_invocable_script" "last_point" {
  name        = var.script_name
  description = "Most recent point of every series in params.bucket, last ${var.lookback}."
  script      = <<-EOT
    from(bucket: params.bucket)
      |> range(start: -${var.lookback})
      |> last()
  EOT
}

# 2. List the organization's scripts. depends_on makes Terraform read the
#    list only once the script exists.
data "influxdb_invocable_scripts" "all" {
  depends_on = [influxdb_invocable_script.last_point]
}

# 3. Find the script by its name, as another configuration that does not
#    manage it would.
data "influxdb_invocable_script" "by_name" {
  name = influxdb_invocable_script.last_point.name
}

# 4. Invoke it with its parameter. A data source runs on every plan and
#    refresh, so invoke only read-only (query) scripts this way.
data "influxdb_invocable_script_invocation" "last_point" {
  script_id = data.influxdb_invocable_script.by_name.id
  params = {
    bucket = var.bucket
  }
}

# 5. Run the script every hour as a task, with its parameter. The plan
#    fails, naming the parameter, if the task does not give one the script
#    reads; destroying the script first destroys the task.
resource "influxdb_invocable_script_task" "hourly" {
  name      = "${var.script_name}-hourly"
  script_id = influxdb_invocable_script.last_point.id
  script_parameters = {
    bucket = var.bucket
  }
  every = "1h"
}
