# A script that copies the last hour of a measurement into another bucket.
resource "influxdb_invocable_script" "downsample" {
  name        = "downsample"
  description = "Hourly mean of params.measurement from params.from into params.to."
  script      = <<-EOT
    from(bucket: params.from)
      |> range(start: -1h)
      |> filter(fn: (r) => r._measurement == params.measurement)
      |> aggregateWindow(every: params.window, fn: mean)
      |> to(bucket: params.to)
  EOT
}

# Run it every hour, five minutes past the hour. Every parameter the script
# reads must be given: the plan fails and names any that is missing.
resource "influxdb_invocable_script_task" "downsample_cpu" {
  name      = "downsample-cpu"
  script_id = influxdb_invocable_script.downsample.id
  script_parameters = {
    from        = "telegraf"
    to          = "telegraf_1h"
    measurement = "cpu"
    window      = "10m"
  }
  every  = "1h"
  offset = "5m"
}

# The same script on a cron schedule (UTC), paused for now.
resource "influxdb_invocable_script_task" "downsample_mem_nightly" {
  name      = "downsample-mem-nightly"
  script_id = influxdb_invocable_script.downsample.id
  script_parameters = {
    from        = "telegraf"
    to          = "telegraf_1h"
    measurement = "mem"
    window      = "1h"
  }
  cron   = "0 2 * * *"
  status = "inactive"
}
