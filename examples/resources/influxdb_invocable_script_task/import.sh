# A task is imported by its ID: 16 hexadecimal characters, shown by
# `influx task list` and in the influxdb_invocable_script_tasks data source.
terraform import influxdb_invocable_script_task.downsample_cpu 0a0b0c0d0e0f1000
