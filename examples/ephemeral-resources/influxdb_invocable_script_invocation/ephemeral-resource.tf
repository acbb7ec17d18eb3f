# In a child module: invoke a read-only (query) script and hand its result to
# the caller without writing it to the plan or the state. Needs Terraform
# 1.10 or OpenTofu 1.11 or later.
#
# The script runs each time Terraform opens the ephemeral resource, in plan
# and again in apply, so invoke only scripts without side effects.
variable "script_id" {
  type = string
}

ephemeral "influxdb_invocable_script_invocation" "usage" {
  script_id = var.script_id
  params = {
    customer = "acme"
    days     = 30
  }
}

# Ephemeral values can flow only into ephemeral contexts: provider blocks,
# write-only arguments, locals, ephemeral variables and outputs, provisioner
# and connection blocks.
output "usage_rows" {
  value     = ephemeral.influxdb_invocable_script_invocation.usage.rows
  ephemeral = true
}
