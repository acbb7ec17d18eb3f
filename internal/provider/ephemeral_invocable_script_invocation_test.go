package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

// testAccProvidersWithEcho adds the echo provider, whose echo resource
// stores its provider's data attribute: the way to look at ephemeral values.
var testAccProvidersWithEcho = map[string]func() (tfprotov6.ProviderServer, error){
	"influxdb": testAccProviders["influxdb"],
	"echo":     echoprovider.NewProviderServer(),
}

// notInJSON fails when marker occurs anywhere in v's JSON form.
func notInJSON(what string, v any, marker string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding the %s: %w", what, err)
	}
	if strings.Contains(string(b), marker) {
		return fmt.Errorf("the %s contains %q, which only the ephemeral result holds", what, marker)
	}
	return nil
}

type stateNotContains string

func (m stateNotContains) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = notInJSON("state", req.State, string(m))
}

type planNotContains string

func (m planNotContains) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = notInJSON("plan", req.Plan, string(m))
}

// legacyStateNotContains looks through every attribute of every resource.
func legacyStateNotContains(marker string) func(*terraform.State) error {
	return func(st *terraform.State) error {
		for _, m := range st.Modules {
			for addr, rs := range m.Resources {
				for k, v := range rs.Primary.Attributes {
					if strings.Contains(v, marker) {
						return fmt.Errorf("%s.%s holds %q, which only the ephemeral result holds", addr, k, marker)
					}
				}
			}
		}
		return nil
	}
}

func TestAccInvocableScriptInvocationEphemeral(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t) // checks the emulator's echo of the parameters
	id := s.createOutOfBand(t, "confidential", "from(bucket: params.bucket) |> limit(n: params.limit)")

	// The configuration writes the bucket in lower case and upper() makes the
	// marker, so the marker exists only in the script's result: the plan's
	// copy of the configuration holds the expression, not its value.
	const marker = "EPHEMERAL-MARKER-7D41"
	ephemeralBlock := fmt.Sprintf(`
ephemeral "influxdb_invocable_script_invocation" "q" {
  script_id = %q
  params    = { bucket = upper("ephemeral-marker-7d41"), limit = 5 }
}
`, id)
	// What reaches the echo resource, per generation: the scripts generation
	// answers CSV (rows), the functions generation JSON (result).
	limit := `[for r in ephemeral.influxdb_invocable_script_invocation.q.rows : r.value if r.param == "limit"][0]`
	var limitCheck, contentType, columns, rowCount knownvalue.Check
	limitCheck = knownvalue.StringExact("5")
	contentType = knownvalue.StringExact("text/csv; charset=utf-8")
	columns = knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("result"), knownvalue.StringExact("table"), knownvalue.StringExact("param"), knownvalue.StringExact("value")})
	rowCount = knownvalue.Int64Exact(2)
	if functionsOnly() {
		limit = `[for r in jsondecode(ephemeral.influxdb_invocable_script_invocation.q.result).result : r.value if r.param == "limit"][0]`
		limitCheck = knownvalue.Int64Exact(5)
		contentType = knownvalue.StringRegexp(regexp.MustCompile(`^application/json`))
		columns = knownvalue.ListSizeExact(0)
		rowCount = knownvalue.Int64Exact(0)
	}
	config := s.providerBlock(s.apiSetting()) + ephemeralBlock + fmt.Sprintf(`
provider "echo" {
  data = {
    content_type = ephemeral.influxdb_invocable_script_invocation.q.content_type
    columns      = ephemeral.influxdb_invocable_script_invocation.q.columns
    row_count    = length(ephemeral.influxdb_invocable_script_invocation.q.rows)
    limit        = %s
    max_bytes    = ephemeral.influxdb_invocable_script_invocation.q.max_result_bytes
    # The result does hold the marker, so its absence from the state below means something.
    has_marker   = length(regexall(upper("ephemeral-marker-7d41"), ephemeral.influxdb_invocable_script_invocation.q.result)) > 0
  }
}

resource "echo" "out" {}
`, limit)
	data := tfjsonpath.New("data")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProvidersWithEcho,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{needsEphemeral},
		Steps: []resource.TestStep{
			{
				// The same errors as the data source, from the shared code. (Error
				// steps come first: the last step's configuration is destroyed.)
				Config: s.providerBlock(s.apiSetting()) + fmt.Sprintf(`
ephemeral "influxdb_invocable_script_invocation" "q" {
  script_id = %q
  params    = { bucket = "b" }
}
`, id),
				ExpectError: errorRe("Missing Script Parameters", `references the parameter "limit"`),
			},
			{
				Config: s.providerBlock(s.apiSetting()) + fmt.Sprintf(`
ephemeral "influxdb_invocable_script_invocation" "q" {
  script_id = %q
  params    = "b"
}
`, id),
				ExpectError: errorRe("Invalid Script Parameters", "params must be an object", "but it is a string"),
			},
			{
				PreConfig: s.ResetStats,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{planNotContains(marker)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.out", data.AtMapKey("content_type"), contentType),
					statecheck.ExpectKnownValue("echo.out", data.AtMapKey("columns"), columns),
					statecheck.ExpectKnownValue("echo.out", data.AtMapKey("row_count"), rowCount),
					statecheck.ExpectKnownValue("echo.out", data.AtMapKey("limit"), limitCheck),
					statecheck.ExpectKnownValue("echo.out", data.AtMapKey("max_bytes"), knownvalue.Int64Exact(10485760)),
					statecheck.ExpectKnownValue("echo.out", data.AtMapKey("has_marker"), knownvalue.Bool(true)),
					// The result itself is nowhere in the state.
					stateNotContains(marker),
					serverCheck(func() error {
						if n := s.requests(scriptsRoute("POST", "/{id}/invoke")); n < 1 {
							return fmt.Errorf("the script was never invoked (%v)", s.Stats())
						}
						return nil
					}),
				},
				Check: legacyStateNotContains(marker),
			},
		},
	})
}
