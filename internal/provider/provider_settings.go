package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// settingKind is the Terraform type of a setting's attribute.
type settingKind int

const (
	stringSetting settingKind = iota
	boolSetting
	int64Setting
)

// providerSetting describes one setting of the provider block, once: its
// attribute, the environment variables read when the configuration leaves it
// out (the first one set wins), and the checks of its value, whichever the
// source. A new setting is an entry here, its schema attribute, and the line
// of configureProvider that uses it.
type providerSetting struct {
	attr string
	kind settingKind
	env  []string
	// missing is the summary of the error when the setting has no value,
	// and need the sentence that opens its detail; "" for optional settings.
	missing, need string
	// invalid is the summary of the error when check refuses a value; check
	// returns that error's detail, or "" for a good value.
	invalid string
	check   func(v settingValue) string
}

// maxRetriesLimit bounds max_retries, in the schema and in the environment.
const maxRetriesLimit = 100

// scriptsAPIs are the values scripts_api takes.
var scriptsAPIs = []string{string(influxdb.APIAuto), string(influxdb.APIScripts), string(influxdb.APIFunctions)}

var orgIDPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

var providerSettings = []providerSetting{
	{
		attr: "url", env: []string{"INFLUXDB_URL", "INFLUX_HOST"},
		missing: "Missing InfluxDB URL", need: "The provider needs the URL of your InfluxDB Cloud region.",
		invalid: "Invalid InfluxDB URL", check: func(v settingValue) string {
			if _, err := influxdb.ParseBaseURL(v.value); err != nil {
				return fmt.Sprintf("The URL from %s cannot be used. Give an http(s) URL such as https://us-east-1-1.aws.cloud2.influxdata.com.\n\n%s", v.source, err)
			}
			return ""
		},
	},
	{
		attr: "token", env: []string{"INFLUXDB_TOKEN", "INFLUX_TOKEN"},
		missing: "Missing InfluxDB Token", need: "The provider needs an API token with permission to read and write scripts.",
	},
	{
		attr: "org_id", env: []string{"INFLUXDB_ORG_ID", "INFLUX_ORG_ID"},
		invalid: "Invalid Organization ID", check: func(v settingValue) string {
			if !orgIDPattern.MatchString(v.value) {
				return fmt.Sprintf("The organization ID from %s must be 16 lowercase hexadecimal characters (find it in the Cloud UI under your organization's settings).", v.source)
			}
			return ""
		},
	},
	{attr: "org", env: []string{"INFLUXDB_ORG", "INFLUX_ORG"}},
	{
		attr: "insecure_skip_verify", kind: boolSetting, env: []string{"INFLUXDB_INSECURE_SKIP_VERIFY"},
		invalid: "Invalid Insecure Skip Verify", check: func(v settingValue) string {
			if _, err := strconv.ParseBool(v.value); err != nil {
				return fmt.Sprintf("%s=%q is not a boolean. Use true or false.", v.source, v.value)
			}
			return ""
		},
	},
	{
		attr: "ca_certificate", env: []string{"INFLUXDB_CA_CERTIFICATE"},
		invalid: "Invalid CA Certificate", check: func(v settingValue) string {
			if err := checkPEM(v.value); err != nil {
				return fmt.Sprintf("The certificate from %s is not usable. Give one or more PEM-encoded certificates.\n\n%s", v.source, err)
			}
			return ""
		},
	},
	{
		attr: "timeout", env: []string{"INFLUXDB_TIMEOUT"},
		invalid: "Invalid Timeout", check: func(v settingValue) string {
			if _, ok := positiveDuration(v.value); !ok {
				return fmt.Sprintf("The timeout %q from %s is not a positive duration. Use a value such as 30s or 2m.", v.value, v.source)
			}
			return ""
		},
	},
	{
		attr: "max_retries", kind: int64Setting, env: []string{"INFLUXDB_MAX_RETRIES"},
		invalid: "Invalid Max Retries", check: func(v settingValue) string {
			if n, err := strconv.ParseInt(v.value, 10, 64); err != nil || n < 0 || n > maxRetriesLimit {
				return fmt.Sprintf("%s=%q is not a whole number between 0 and %d.", v.source, v.value, maxRetriesLimit)
			}
			return ""
		},
	},
	{
		attr: "batch_reads", kind: boolSetting, env: []string{"INFLUXDB_BATCH_READS"},
		invalid: "Invalid Batch Reads", check: func(v settingValue) string {
			if _, err := strconv.ParseBool(v.value); err != nil {
				return fmt.Sprintf("%s=%q is not a boolean. Use true or false.", v.source, v.value)
			}
			return ""
		},
	},
	{
		attr: "scripts_api", env: []string{"INFLUXDB_SCRIPTS_API"},
		invalid: "Invalid Scripts API", check: func(v settingValue) string {
			if !slices.Contains(scriptsAPIs, v.value) {
				return fmt.Sprintf("The value %q from %s is not one of %s.", v.value, v.source, strings.Join(scriptsAPIs, ", "))
			}
			return ""
		},
	},
}

// positiveDuration parses a Go duration that is greater than zero.
func positiveDuration(s string) (time.Duration, bool) {
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

func settingFor(attr string) providerSetting {
	for _, s := range providerSettings {
		if s.attr == attr {
			return s
		}
	}
	panic("provider setting not in providerSettings: " + attr) // a programming error, caught by every test
}

// envNote is the end of a setting's description: its environment variables.
func envNote(attr string) string {
	vars := settingFor(attr).env
	return fmt.Sprintf(" Falls back to the `%s` environment variable%s.", strings.Join(vars, "` then `"), plural(len(vars)))
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

func attrHelp(s providerSetting) string {
	return fmt.Sprintf("Set %q in the provider block or the %s environment variable.", s.attr, strings.Join(s.env, " or "))
}

// settingValue is one setting after the configuration and the environment
// have been consulted. Values of bool and number attributes are in Go's
// notation, so that one check covers both sources.
type settingValue struct {
	value   string
	set     bool
	unknown bool
	source  string // where the value came from, as error texts name it
}

// settings holds the value of every provider setting.
type settings map[string]settingValue

// readSettings reads every setting of providerSettings from the
// configuration, or when it is null there, from the environment.
func readSettings(ctx context.Context, cfg tfsdk.Config) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := settings{}
	for _, s := range providerSettings {
		p := path.Root(s.attr)
		var v settingValue
		switch s.kind {
		case stringSetting:
			var a types.String
			diags.Append(cfg.GetAttribute(ctx, p, &a)...)
			v = settingValue{value: a.ValueString(), set: !a.IsNull() && !a.IsUnknown(), unknown: a.IsUnknown(), source: "configuration"}
		case boolSetting:
			var a types.Bool
			diags.Append(cfg.GetAttribute(ctx, p, &a)...)
			v = settingValue{value: strconv.FormatBool(a.ValueBool()), set: !a.IsNull() && !a.IsUnknown(), unknown: a.IsUnknown(), source: s.attr}
		case int64Setting:
			var a types.Int64
			diags.Append(cfg.GetAttribute(ctx, p, &a)...)
			v = settingValue{value: strconv.FormatInt(a.ValueInt64(), 10), set: !a.IsNull() && !a.IsUnknown(), unknown: a.IsUnknown(), source: s.attr}
		}
		if !v.set && !v.unknown {
			v = settingValue{}
			for _, name := range s.env {
				if val, ok := os.LookupEnv(name); ok && val != "" {
					v = settingValue{value: val, set: true, source: name}
					break
				}
			}
		}
		out[s.attr] = v
	}
	return out, diags
}

// unknown lists the settings whose value is known only after apply.
func (s settings) unknown() []string {
	var out []string
	for _, p := range providerSettings {
		if s[p.attr].unknown {
			out = append(out, p.attr)
		}
	}
	return out
}

// check reports each setting that is missing or whose value is refused.
func (s settings) check(diags *diag.Diagnostics) {
	for _, p := range providerSettings {
		v := s[p.attr]
		switch {
		case !v.set && p.missing != "":
			diags.AddAttributeError(path.Root(p.attr), p.missing, p.need+" "+attrHelp(p))
		case v.set && p.check != nil:
			if detail := p.check(v); detail != "" {
				diags.AddAttributeError(path.Root(p.attr), p.invalid, detail)
			}
		}
	}
}

// The typed values, for settings that check has accepted.

func (s settings) str(attr string) string { return s[attr].value }

func (s settings) boolean(attr string) bool {
	b, _ := strconv.ParseBool(s[attr].value)
	return b
}

func (s settings) int64(attr string, def int64) int64 {
	if !s[attr].set {
		return def
	}
	n, _ := strconv.ParseInt(s[attr].value, 10, 64)
	return n
}

func (s settings) duration(attr string, def time.Duration) time.Duration {
	if d, ok := positiveDuration(s[attr].value); ok {
		return d
	}
	return def
}
