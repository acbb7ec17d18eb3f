# One page: the scripts 101 to 150 of the list, newest first.
data "influxdb_invocable_scripts" "page_3" {
  limit  = 50
  offset = 100
}

# Scripts with exactly this name (at most one per organization), in a
# specific organization.
data "influxdb_invocable_scripts" "named" {
  org_id = "0a1b2c3d4e5f6071"
  name   = "last-point"
}

output "last_point_exists" {
  value = length(data.influxdb_invocable_scripts.named.scripts) > 0
}
