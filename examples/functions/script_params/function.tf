# provider::influxdb::script_params reads a script's text, offline, and
# returns the names of the parameters it references: sorted, each once.
# Needs Terraform 1.8 or later, or OpenTofu 1.7 or later, and, like every
# provider-defined function, the provider in the module's required_providers.
terraform {
  required_providers {
    influxdb = {
      source = "tf-influxdb/influxdb"
    }
  }
}

locals {
  flux = <<-EOT
    from(bucket: params.bucket)
      |> range(start: -1h)
      |> filter(fn: (r) => r._measurement == params["measurement"])
      |> filter(fn: (r) => r.host == params.host) // params.ignored: a comment
  EOT
}

output "names" {
  # ["bucket", "host", "measurement"]
  value = provider::influxdb::script_params(local.flux)
}

# Typical use: stop a plan that would invoke the script without a parameter
# it reads.
variable "invoke_params" {
  type = map(string)
  default = {
    bucket      = "telegraf"
    measurement = "cpu"
    host        = "web-1"
  }
}

output "missing_params" {
  value = setsubtract(provider::influxdb::script_params(local.flux), keys(var.invoke_params))

  precondition {
    condition     = length(setsubtract(provider::influxdb::script_params(local.flux), keys(var.invoke_params))) == 0
    error_message = "invoke_params must supply every parameter the script reads."
  }
}
