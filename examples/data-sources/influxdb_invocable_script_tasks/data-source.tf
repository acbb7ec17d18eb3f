# The tasks that run one script, wherever they were made.
data "influxdb_invocable_script_tasks" "downsample" {
  script_id = influxdb_invocable_script.downsample.id
}

# Every task of the organization that runs a script (Flux tasks left out).
data "influxdb_invocable_script_tasks" "all" {}

output "failing_tasks" {
  value = [
    for t in data.influxdb_invocable_script_tasks.all.tasks : "${t.name} (${t.id}): ${t.last_run_error}"
    if t.last_run_status == "failed"
  ]
}

# script_parameters_json keeps each value's JSON type; jsondecode gives them back.
output "downsample_windows" {
  value = [for t in data.influxdb_invocable_script_tasks.downsample.tasks : jsondecode(t.script_parameters_json).window]
}
