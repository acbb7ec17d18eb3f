# A script is imported by its ID: 16 hexadecimal characters, shown in the
# output of `influx scripts list` and in the influxdb_invocable_scripts data source.
terraform import influxdb_invocable_script.last_point 09afa3b220fe4000
