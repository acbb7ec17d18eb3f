# A Flux script that returns the most recent point of a measurement in the
# bucket named by the caller: POST /api/v2/scripts/<id>/invoke with
# {"params": {"bucket": "telegraf", "measurement": "cpu"}}.
resource "influxdb_invocable_script" "last_point" {
  name        = "last-point"
  description = "Most recent point of params.measurement in params.bucket, last 30 days."
  script      = <<-EOT
    from(bucket: params.bucket)
      |> range(start: -30d)
      |> filter(fn: (r) => r._measurement == params.measurement)
      |> last()
  EOT
}

# An SQL script (for organizations whose storage runs SQL queries).
resource "influxdb_invocable_script" "busiest_hosts" {
  name        = "busiest-hosts"
  description = "The ten hosts with the highest average CPU use over the last hour."
  language    = "sql"
  script      = <<-EOT
    SELECT host, avg(usage_user) AS avg_usage_user
    FROM cpu
    WHERE time >= now() - INTERVAL '1 hour'
    GROUP BY host
    ORDER BY avg_usage_user DESC
    LIMIT 10
  EOT
}

# The parameters InfluxDB found in the script, name => type, for example
# bucket = "string".
output "last_point_params" {
  value = influxdb_invocable_script.last_point.params
}
