package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// paramsRequests is how many /params reads a find costs in the generation
// under test (the functions generation has no /params).
func paramsRequests() int {
	if functionsOnly() {
		return 0
	}
	return 1
}

func TestAccInvocableScriptDataSource_find(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.createOutOfBand(t, "other", "from(bucket: \"x\") |> range(start: -1h)")
	id := s.createOutOfBand(t, "last_point", lastPointFlux)
	const byID, byName = "data.influxdb_invocable_script.by_id", "data.influxdb_invocable_script.by_name"
	byIDConfig := `
data "influxdb_invocable_script" "by_id" {
  id = "` + id + `"
}
`
	byNameConfig := `
data "influxdb_invocable_script" "by_name" {
  name = "last_point"
}
`
	same := func(attr string) statecheck.StateCheck {
		return statecheck.CompareValuePairs(byID, tfjsonpath.New(attr), byName, tfjsonpath.New(attr), compare.ValuesSame())
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: s.providerBlock(s.apiSetting()) + byIDConfig + byNameConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("name"), knownvalue.StringExact("last_point")),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("org_id"), knownvalue.StringExact(s.OrgID)),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("description"), knownvalue.StringExact("made outside Terraform")),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("script"), knownvalue.StringExact(lastPointFlux)),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("language"), knownvalue.StringExact("flux")),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("url"), knownvalue.Null()),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339)),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("updated_at"), knownvalue.StringRegexp(rfc3339)),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("params"), paramsCheck()),
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					same("name"), same("org_id"), same("description"), same("script"), same("language"),
					same("url"), same("created_at"), same("updated_at"), same("params"),
				},
			},
			{
				// Find by name: one list request (with the name filter) and one /params.
				Config: s.providerBlock(s.apiSetting()) + byNameConfig,
			},
			{
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check: s.expectRequestsFunc(map[string]int{
					scriptsRoute("GET", ""):             1,
					scriptsRoute("GET", "/{id}"):        0,
					scriptsRoute("GET", "/{id}/params"): paramsRequests(),
				}),
			},
			{
				// Find by id: one read and one /params.
				Config: s.providerBlock(s.apiSetting()) + byIDConfig,
			},
			{
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check: s.expectRequestsFunc(map[string]int{
					scriptsRoute("GET", ""):             0,
					scriptsRoute("GET", "/{id}"):        1,
					scriptsRoute("GET", "/{id}/params"): paramsRequests(),
				}),
			},
		},
	})
}

// A script managed in the same configuration can be found by name once it exists.
func TestAccInvocableScriptDataSource_ofResource(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: scriptConfig(s, "managed", "by Terraform", lastPointFlux) + `
data "influxdb_invocable_script" "found" {
  name = influxdb_invocable_script.last_point.name
  depends_on = [influxdb_invocable_script.last_point]
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(scriptAddr, tfjsonpath.New("id"), "data.influxdb_invocable_script.found", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(scriptAddr, tfjsonpath.New("params"), "data.influxdb_invocable_script.found", tfjsonpath.New("params"), compare.ValuesSame()),
				},
			},
		},
	})
}

func TestAccInvocableScriptDataSource_errors(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	provider := s.providerBlock(s.apiSetting())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      provider + `data "influxdb_invocable_script" "x" { id = "0123456789abcdef" }`,
				ExpectError: errorRe("Script Not Found", `no script with id "0123456789abcdef" that this token can see`),
			},
			{
				Config:      provider + `data "influxdb_invocable_script" "x" { name = "nope" }`,
				ExpectError: errorRe("Script Not Found", `There is no script named "nope" in organization `+s.OrgID),
			},
			{
				Config:      provider + `data "influxdb_invocable_script" "x" {}`,
				PlanOnly:    true,
				ExpectError: errorRe("Exactly one of these attributes must be configured: [id,name]"),
			},
			{
				Config: provider + `data "influxdb_invocable_script" "x" {
  id   = "0123456789abcdef"
  name = "nope"
}`,
				PlanOnly:    true,
				ExpectError: errorRe("Invalid Attribute Combination", "Exactly one of these attributes must be configured: [id,name]"),
			},
			{
				Config:      provider + `data "influxdb_invocable_script" "x" { name = "" }`,
				PlanOnly:    true,
				ExpectError: errorRe("Attribute name string length must be at least 1"),
			},
			{
				Config:      provider + `data "influxdb_invocable_script" "x" { org_id = "team-a" }`,
				PlanOnly:    true,
				ExpectError: errorRe("Attribute org_id must be an InfluxDB organization ID"),
			},
		},
	})
}

// Two scripts of one name cannot be made through the API (names are unique
// per organization), nor can a token see another organization's script,
// and the emulator's name filter is exact, so a fake server answers with all
// three.
func TestAccInvocableScriptDataSource_ambiguousName(t *testing.T) {
	script := func(id, name string) map[string]any {
		return map[string]any{"id": id, "orgID": "00000000000000cc", "name": name, "description": "", "script": "x", "language": "flux", "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z"}
	}
	url := newFakeScriptsAPI(t, []map[string]any{script("00000000000000d1", "twin"), script("00000000000000d2", "twin"), script("00000000000000d3", "twins")}, nil)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      fakeProviderBlock(url) + `data "influxdb_invocable_script" "x" { name = "twin" }`,
				ExpectError: errorRe("Script Name Is Ambiguous", `2 scripts named "twin" were found`, "00000000000000d1", "00000000000000d2", "by id instead"),
			},
			{
				// The list data source matches the name exactly too.
				Config: fakeProviderBlock(url) + `data "influxdb_invocable_scripts" "x" { name = "twin" }`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.influxdb_invocable_scripts.x", tfjsonpath.New("scripts"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact("00000000000000d1")}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact("00000000000000d2")}),
					})),
					// Without an org_id anywhere, the scripts' organization is reported.
					statecheck.ExpectKnownValue("data.influxdb_invocable_scripts.x", tfjsonpath.New("org_id"), knownvalue.StringExact("00000000000000cc")),
				},
			},
			{
				// A script of another organization than the one asked for is an error.
				Config: fakeProviderBlock(url) + `data "influxdb_invocable_script" "x" {
  id     = "00000000000000d1"
  org_id = "00000000000000aa"
}`,
				ExpectError: errorRe("Script Of Another Organization", "asks for the script of organization 00000000000000aa", "returned the script of organization 00000000000000cc"),
			},
			{
				// Found by id, the same script is fine.
				Config: fakeProviderBlock(url) + `data "influxdb_invocable_script" "x" { id = "00000000000000d2" }`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.influxdb_invocable_script.x", tfjsonpath.New("name"), knownvalue.StringExact("twin")),
					statecheck.ExpectKnownValue("data.influxdb_invocable_script.x", tfjsonpath.New("params"), knownvalue.MapExact(map[string]knownvalue.Check{})),
				},
			},
		},
	})
}

func TestOneScript(t *testing.T) {
	a := influxdb.Script{ID: "a1", OrgID: "o1", Name: "n"}
	b := influxdb.Script{ID: "b2", OrgID: "o1", Name: "n"}
	if s, err := oneScript([]influxdb.Script{a}, "n", "o1"); err != nil || s.ID != "a1" {
		t.Errorf("one: got %v, %v", s, err)
	}
	if _, err := oneScript(nil, "n", ""); err == nil || err.summary != "Script Not Found" || !strings.Contains(err.detail, `no script named "n" in the token's organization`) {
		t.Errorf("none: got %+v", err)
	}
	if _, err := oneScript(nil, "n", "o1"); err == nil || !strings.Contains(err.detail, "in organization o1") {
		t.Errorf("none in org: got %+v", err)
	}
	_, err := oneScript([]influxdb.Script{a, b}, "n", "o1")
	if err == nil || err.summary != "Script Name Is Ambiguous" || !strings.Contains(err.detail, "a1 (organization o1), b2 (organization o1)") {
		t.Errorf("two: got %+v", err)
	}
}
