import {
  to = influxdb_invocable_script_task.downsample_cpu
  id = "0a0b0c0d0e0f1000"
}
