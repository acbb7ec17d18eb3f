# Find a script that is managed elsewhere by its exact name...
data "influxdb_invocable_script" "last_point" {
  name = "last-point"
}

# ...or by its ID. Exactly one of name and id must be set.
data "influxdb_invocable_script" "by_id" {
  id = "09afa3b220fe4000"
}

output "last_point" {
  value = {
    id       = data.influxdb_invocable_script.last_point.id
    language = data.influxdb_invocable_script.last_point.language
    params   = data.influxdb_invocable_script.last_point.params
  }
}
