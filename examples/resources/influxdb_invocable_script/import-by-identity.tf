import {
  to = influxdb_invocable_script.last_point
  identity = {
    id = "09afa3b220fe4000"
  }
}
