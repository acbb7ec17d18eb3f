# Every script of the organization. Without limit the provider reads all
# pages (500 scripts per request), so nothing is cut off.
data "influxdb_invocable_scripts" "all" {}

output "script_names" {
  value = data.influxdb_invocable_scripts.all.scripts[*].name
}

# ID by name, for every script.
output "script_ids" {
  value = { for s in data.influxdb_invocable_scripts.all.scripts : s.name => s.id }
}
