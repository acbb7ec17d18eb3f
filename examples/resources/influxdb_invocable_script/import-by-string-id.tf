import {
  to = influxdb_invocable_script.last_point
  id = "09afa3b220fe4000"
}
