# `terraform test` (or `tofu test`) for the quickstart, run against the
# emulator: from the repository root, `make tftest` starts one, builds the
# provider and runs this file with Terraform and with OpenTofu. Against
# InfluxDB Cloud the same runs work except two assertions made for the
# emulator: it cannot run Flux, so it answers with the parameters it received,
# and it starts with no scripts.
#
# Each run block is one plan or apply of the module; later runs start from the
# state the earlier ones left, and `test` destroys everything at the end.

# A lookback that is not a Flux duration is refused at plan time, before
# anything is written.
run "rejects_a_bad_lookback" {
  command = plan

  variables {
    lookback = "30 days"
  }

  expect_failures = [var.lookback]
}

run "plan" {
  command = plan

  assert {
    condition     = influxdb_invocable_script.last_point.name == "quickstart-last-point"
    error_message = "the script is not planned under its default name"
  }
  assert {
    condition     = strcontains(influxdb_invocable_script.last_point.script, "range(start: -30d)")
    error_message = "the script does not use the default lookback"
  }
}

run "apply" {
  assert {
    condition     = output.script_id != ""
    error_message = "the script has no ID"
  }
  assert {
    condition     = output.script_params == tomap({ bucket = "string" })
    error_message = "the parameters found in the script are not just bucket"
  }
  assert {
    condition     = contains(output.all_script_names, "quickstart-last-point")
    error_message = "the list of scripts does not include the new one"
  }
  assert {
    condition     = output.found_by_name.id == output.script_id && output.found_by_name.language == "flux"
    error_message = "finding the script by name did not return the created script"
  }
  assert {
    condition     = output.task.id != "" && output.task.every == "1h" && output.task.status == "active"
    error_message = "the hourly task was not created active, every hour"
  }
  # The emulator's answer: one row per parameter.
  assert {
    condition     = output.invocation_columns == tolist(["result", "table", "param", "value"])
    error_message = "the invocation result does not have the emulator's columns"
  }
  assert {
    condition     = length(output.invocation_rows) == 1 && output.invocation_rows[0].param == "bucket" && output.invocation_rows[0].value == "_monitoring"
    error_message = "the invocation was not made with bucket = \"_monitoring\""
  }
}

# Another bucket changes only what is invoked, on the script the earlier runs
# created. (OpenTofu does not resolve run.<name> references in assertions, so
# the script is compared through the emulator's list, which holds it alone.)
run "another_bucket" {
  variables {
    bucket = "ci-bucket"
  }

  assert {
    condition     = output.all_script_names == tolist(["quickstart-last-point"])
    error_message = "the organization does not hold exactly the quickstart's script"
  }
  assert {
    condition     = output.invocation_rows[0].value == "ci-bucket"
    error_message = "the invocation did not use the new bucket"
  }
}
