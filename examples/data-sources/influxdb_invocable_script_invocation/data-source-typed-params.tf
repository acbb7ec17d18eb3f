# Parameter values keep their Terraform types: numbers reach the script as
# numbers, booleans as booleans, lists as arrays. The precondition checks at
# plan time that every parameter the script reads is supplied
# (provider::influxdb::script_params needs Terraform 1.8 / OpenTofu 1.7).
resource "influxdb_invocable_script" "top" {
  name   = "top-n"
  script = <<-EOT
    from(bucket: params.bucket)
      |> range(start: -1h)
      |> top(n: params.n)
  EOT
}

locals {
  top_params = {
    bucket = "telegraf"
    n      = 5
  }
}

data "influxdb_invocable_script_invocation" "top" {
  script_id        = influxdb_invocable_script.top.id
  params           = local.top_params
  max_result_bytes = 1048576 # fail rather than read more than 1 MiB

  lifecycle {
    precondition {
      condition     = length(setsubtract(provider::influxdb::script_params(influxdb_invocable_script.top.script), keys(local.top_params))) == 0
      error_message = "The script reads parameters that local.top_params does not supply."
    }
  }
}

output "top_rows" {
  value = data.influxdb_invocable_script_invocation.top.rows
}
