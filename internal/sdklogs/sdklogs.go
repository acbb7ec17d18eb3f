// Package sdklogs turns off the plugin SDK's own trace logs when nobody asked
// for Terraform logs.
//
// The plugin SDK (terraform-plugin-go and the framework) logs every RPC at
// TRACE level by default, as JSON on stderr, and leaves the filtering to
// Terraform, which throws the lines away unless TF_LOG or TF_LOG_PROVIDER is
// set. Encoding, writing and parsing them costs about a third of the CPU
// time of a plan or apply with many resources. So when no TF_LOG* variable
// is set at all, nobody can see these logs: Quiet turns them off at the
// source. Setting any TF_LOG* variable (TF_LOG=trace, TF_LOG_PROVIDER=debug,
// TF_LOG_SDK=trace, ...) keeps the SDK's default behaviour.
package sdklogs

import (
	"os"
	"strings"
)

// Quiet sets the SDK's log levels to OFF unless some TF_LOG* variable is set.
// Call it before the provider is served.
func Quiet() {
	for _, name := range toSilence(os.Environ()) {
		_ = os.Setenv(name, "OFF")
	}
}

// toSilence returns the SDK's log level variables to set to OFF given the
// environment: all of them when no TF_LOG* variable is set, none otherwise.
func toSilence(environ []string) []string {
	for _, kv := range environ {
		if strings.HasPrefix(kv, "TF_LOG") {
			return nil
		}
	}
	return []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}
}
