package main

import (
	"os"
	"strings"
)

// The plugin SDK (terraform-plugin-go and the framework) logs every RPC at
// TRACE level by default, as JSON on stderr, and leaves the filtering to
// Terraform, which throws the lines away unless TF_LOG or TF_LOG_PROVIDER
// is set. Encoding, writing and parsing them costs about a third of the
// CPU time of a plan or apply with many resources. So when no TF_LOG*
// variable is set at all, nobody can see these logs: turn them off at the
// source. Setting any TF_LOG* variable (TF_LOG=trace, TF_LOG_PROVIDER=debug,
// TF_LOG_SDK=trace, ...) keeps the SDK's default behaviour.
func init() {
	for _, name := range sdkLogsToSilence(os.Environ()) {
		_ = os.Setenv(name, "OFF")
	}
}

// sdkLogsToSilence returns the SDK's log level variables to set to OFF
// given the environment: all of them when no TF_LOG* variable is set,
// none otherwise.
func sdkLogsToSilence(environ []string) []string {
	for _, kv := range environ {
		if strings.HasPrefix(kv, "TF_LOG") {
			return nil
		}
	}
	return []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}
}
