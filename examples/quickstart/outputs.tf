output "script_id" {
  description = "ID of the created script."
  value       = influxdb_invocable_script.last_point.id
}

output "script_params" {
  description = "Parameters InfluxDB found in the script, name => type."
  value       = influxdb_invocable_script.last_point.params
}

output "all_script_names" {
  description = "Names of every script in the organization."
  value       = data.influxdb_invocable_scripts.all.scripts[*].name
}

output "found_by_name" {
  description = "The script as the influxdb_invocable_script data source found it."
  value = {
    id          = data.influxdb_invocable_script.by_name.id
    language    = data.influxdb_invocable_script.by_name.language
    description = data.influxdb_invocable_script.by_name.description
  }
}

output "invocation_columns" {
  description = "Column names of the result."
  value       = data.influxdb_invocable_script_invocation.last_point.columns
}

output "invocation_rows" {
  description = "The result, one map per row."
  value       = data.influxdb_invocable_script_invocation.last_point.rows
}

output "task" {
  description = "The task that runs the script every hour."
  value = {
    id     = influxdb_invocable_script_task.hourly.id
    every  = influxdb_invocable_script_task.hourly.every
    status = influxdb_invocable_script_task.hourly.status
  }
}
