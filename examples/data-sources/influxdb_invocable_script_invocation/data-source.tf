resource "influxdb_invocable_script" "last_point" {
  name        = "last-point"
  description = "Most recent point of params.measurement in params.bucket."
  script      = <<-EOT
    from(bucket: params.bucket)
      |> range(start: -30d)
      |> filter(fn: (r) => r._measurement == params.measurement)
      |> last()
  EOT
}

# Run the read-only (query) script and use its answer in the configuration.
# It runs again on every plan and refresh: never invoke a script that writes
# data or has other side effects from a data source.
data "influxdb_invocable_script_invocation" "last_cpu" {
  script_id = influxdb_invocable_script.last_point.id
  params = {
    bucket      = "telegraf"
    measurement = "cpu"
  }
}

# Parsed CSV: one map per row, column name => value (every value a string).
output "last_cpu_values" {
  value = [for row in data.influxdb_invocable_script_invocation.last_cpu.rows : "${row["_field"]}=${row["_value"]}"]
}

# The raw response body, exactly as InfluxDB sent it.
output "last_cpu_csv" {
  value = data.influxdb_invocable_script_invocation.last_cpu.result
}
