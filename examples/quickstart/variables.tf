variable "script_name" {
  type        = string
  description = "Name of the script to create. Names are unique within an organization."
  default     = "quickstart-last-point"
}

variable "bucket" {
  type        = string
  description = "Bucket the script reads, passed as params.bucket when it is invoked. _monitoring exists in every InfluxDB Cloud organization."
  default     = "_monitoring"
}

variable "lookback" {
  type        = string
  description = "How far back the script looks, as a Flux duration such as 1h or 30d."
  default     = "30d"

  validation {
    condition     = can(regex("^([0-9]+(ns|us|µs|ms|s|m|h|d|w|mo|y))+$", var.lookback))
    error_message = "lookback must be a Flux duration such as 1h, 30d or 1h30m."
  }
}
