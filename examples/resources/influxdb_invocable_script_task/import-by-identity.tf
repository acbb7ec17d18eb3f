import {
  to = influxdb_invocable_script_task.downsample_cpu
  identity = {
    id = "0a0b0c0d0e0f1000"
  }
}
