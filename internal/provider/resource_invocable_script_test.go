package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

const scriptAddr = "influxdb_invocable_script.last_point"

const lastPointFlux = `from(bucket: params.bucket)
  |> range(start: -7d)
  |> last()
`

// scriptConfig is the provider block (with any extra settings) and one
// script resource.
func scriptConfig(s *testServer, name, description, script string, providerSettings ...string) string {
	return s.providerBlock(providerSettings...) + fmt.Sprintf(`
resource "influxdb_invocable_script" "last_point" {
  name        = %q
  description = %q
  script      = %q
}
`, name, description, script)
}

// paramsCheck is what the server reports for lastPointFlux: the emulator
// infers "string" for a bucket, and the functions generation has no /params.
func paramsCheck() knownvalue.Check {
	if functionsOnly() {
		return knownvalue.Null()
	}
	return knownvalue.MapExact(map[string]knownvalue.Check{"bucket": knownvalue.StringExact("string")})
}

func TestAccInvocableScript_lifecycle(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	sameID := statecheck.CompareValue(compare.ValuesSame())
	sameCreated := statecheck.CompareValue(compare.ValuesSame())
	paramsOnCreate := 1
	if functionsOnly() {
		paramsOnCreate = 0
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				PreConfig: s.ResetStats,
				Config:    scriptConfig(s, "last_point", "Last point of a bucket", lastPointFlux),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scriptAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("org_id"), knownvalue.StringExact(s.OrgID)),
						plancheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("language"), knownvalue.StringExact("flux")),
						plancheck.ExpectUnknownValue(scriptAddr, tfjsonpath.New("id")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{16}$`))),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("name"), knownvalue.StringExact("last_point")),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("description"), knownvalue.StringExact("Last point of a bucket")),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("script"), knownvalue.StringExact(lastPointFlux)),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("language"), knownvalue.StringExact("flux")),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("org_id"), knownvalue.StringExact(s.OrgID)),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("url"), knownvalue.Null()),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`))),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("updated_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("params"), paramsCheck()),
					sameID.AddStateValue(scriptAddr, tfjsonpath.New("id")),
					sameCreated.AddStateValue(scriptAddr, tfjsonpath.New("created_at")),
					// Create is one POST, plus one /params read.
					s.expectRequests(map[string]int{
						scriptsRoute("POST", ""):             1,
						scriptsRoute("GET", "/{id}/params"):  paramsOnCreate,
						scriptsRoute("PATCH", "/{id}"):       0,
						scriptsRoute("DELETE", "/{id}"):      0,
						scriptsRoute("POST", "/{id}/invoke"): 0,
					}),
					s.expectScriptCount(s.OrgID, 1),
				},
			},
			{
				// A refresh costs exactly one GET per script and never re-reads
				// /params; the provider process may detect the API generation once.
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					s.expectRequestsFunc(map[string]int{
						scriptsRoute("GET", "/{id}"):        1,
						scriptsRoute("GET", "/{id}/params"): 0,
					}),
					s.expectDetectionAtMostOnce(),
				),
			},
			{
				ResourceName:      scriptAddr,
				ImportState:       true,
				ImportStateVerify: true,
				// timeouts is Terraform-side configuration the API cannot report.
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// Only the description: one PATCH, no /params read.
				PreConfig: s.ResetStats,
				Config:    scriptConfig(s, "last_point", "Newest point of a bucket", lastPointFlux),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scriptAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(scriptAddr, tfjsonpath.New("updated_at")),
						plancheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("params"), paramsCheck()),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(scriptAddr, tfjsonpath.New("id")),
					sameCreated.AddStateValue(scriptAddr, tfjsonpath.New("created_at")),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("description"), knownvalue.StringExact("Newest point of a bucket")),
					s.expectRequests(map[string]int{
						scriptsRoute("PATCH", "/{id}"):      1,
						scriptsRoute("GET", "/{id}/params"): 0,
						scriptsRoute("POST", ""):            0,
					}),
				},
			},
			{
				// The script text: one PATCH, and /params read again.
				PreConfig: s.ResetStats,
				Config: scriptConfig(s, "last_point", "Newest point of a bucket",
					"from(bucket: params.bucket)\n  |> range(start: -1d)\n  |> limit(n: params.n)\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scriptAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(scriptAddr, tfjsonpath.New("params")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(scriptAddr, tfjsonpath.New("id")),
					s.expectRequests(map[string]int{
						scriptsRoute("PATCH", "/{id}"):      1,
						scriptsRoute("GET", "/{id}/params"): paramsOnCreate,
						scriptsRoute("POST", ""):            0,
					}),
					s.expectScriptCount(s.OrgID, 1),
				},
			},
			{
				// Destroy: the plan's refresh reads the script, then one
				// DELETE and one GET that confirms it is gone.
				PreConfig: s.ResetStats,
				Config: scriptConfig(s, "last_point", "Newest point of a bucket",
					"from(bucket: params.bucket)\n  |> range(start: -1d)\n  |> limit(n: params.n)\n"),
				Destroy: true,
			},
		},
	})
	// Checked here, not in CheckDestroy: the harness runs CheckDestroy only
	// when state is left after the last step, and the last step destroys.
	// The destroy step costs the plan's refresh (one GET), one listing of
	// the organization's tasks (the delete guard), one DELETE and one GET
	// that confirms a lone delete.
	if s.onCloud() {
		s.skipOnCloud("destroy's request counts")
		return
	}
	if n := s.ScriptCount(s.OrgID); n != 0 {
		t.Errorf("%d scripts left after destroy", n)
	}
	if err := s.expectRequests(map[string]int{
		scriptsRoute("DELETE", "/{id}"): 1,
		scriptsRoute("GET", "/{id}"):    2,
	})(); err != nil {
		t.Error(err)
	}
}

func TestAccInvocableScript_replace(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	ids := statecheck.CompareValue(compare.ValuesDiffer())
	lang := "sql"
	langScript := "SELECT * FROM home WHERE room = $room"
	if functionsOnly() {
		lang, langScript = "python", "print(params['room'])"
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:            scriptConfig(s, "first_name", "", lastPointFlux),
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(scriptAddr, tfjsonpath.New("id"))},
			},
			{
				Config: scriptConfig(s, "second_name", "", lastPointFlux),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scriptAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					ids.AddStateValue(scriptAddr, tfjsonpath.New("id")),
					s.expectScriptCount(s.OrgID, 1),
				},
			},
			{
				Config: s.providerBlock() + fmt.Sprintf(`
resource "influxdb_invocable_script" "last_point" {
  name     = "second_name"
  language = %q
  script   = %q
}
`, lang, langScript),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scriptAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					ids.AddStateValue(scriptAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("language"), knownvalue.StringExact(lang)),
					s.expectScriptCount(s.OrgID, 1),
				},
			},
		},
	})
}

// Scripts whose text Terraform and the server could disagree about must
// still plan empty after apply (the harness fails on a non-empty plan).
func TestAccInvocableScript_noPerpetualDiff(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: s.providerBlock() + `
resource "influxdb_invocable_script" "heredoc" {
  name   = "Température – último punto"
  script = <<-EOT
    // Último valor de cada sensor 🌡
    from(bucket: params.bucket)
      |> range(start: -1h)
      |> filter(fn: (r) => r._measurement == "température")
      |> last()

  EOT
}

resource "influxdb_invocable_script" "tabs_and_crlf" {
  name        = "crlf"
  description = "  padded description  "
  script      = "from(bucket: params.bucket)\r\n\t|> range(start: -1h)\r\n"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("influxdb_invocable_script.heredoc", tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue("influxdb_invocable_script.tabs_and_crlf", tfjsonpath.New("description"), knownvalue.StringExact("  padded description  ")),
				},
			},
			{
				// The same configuration again: nothing to do.
				Config: s.providerBlock() + `
resource "influxdb_invocable_script" "heredoc" {
  name   = "Température – último punto"
  script = <<-EOT
    // Último valor de cada sensor 🌡
    from(bucket: params.bucket)
      |> range(start: -1h)
      |> filter(fn: (r) => r._measurement == "température")
      |> last()

  EOT
}

resource "influxdb_invocable_script" "tabs_and_crlf" {
  name        = "crlf"
  description = "  padded description  "
  script      = "from(bucket: params.bucket)\r\n\t|> range(start: -1h)\r\n"
}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccInvocableScript_drift(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	config := scriptConfig(s, "drifting", "as configured", lastPointFlux)
	var firstID string
	ids := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(st *terraform.State) (err error) {
					firstID, err = stateAttr(st, scriptAddr, "id")
					return err
				},
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(scriptAddr, tfjsonpath.New("id"))},
			},
			{
				// Edited outside Terraform: the plan puts it back in place.
				PreConfig: func() {
					if status := s.api(t, http.MethodPatch, scriptsCollection()+"/"+firstID, map[string]any{"description": "edited in the UI", "script": "from(bucket: params.other) |> range(start: -1m)"}, nil); status != http.StatusOK {
						t.Fatalf("out-of-band PATCH: HTTP %d", status)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scriptAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("description"), knownvalue.StringExact("as configured")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("params"), paramsCheck()),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("script"), knownvalue.StringExact(lastPointFlux)),
				},
			},
			{
				// Deleted outside Terraform: the plan creates it again.
				PreConfig: func() {
					if status := s.api(t, http.MethodDelete, scriptsCollection()+"/"+firstID, nil, nil); status != http.StatusNoContent {
						t.Fatalf("out-of-band DELETE: HTTP %d", status)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scriptAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					ids.AddStateValue(scriptAddr, tfjsonpath.New("id")),
					s.expectScriptCount(s.OrgID, 1),
				},
			},
		},
	})
}

func TestAccInvocableScript_importBlock(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	config := scriptConfig(s, "imported", "made outside Terraform", lastPointFlux)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_5_0)},
		Steps: []resource.TestStep{
			{Config: config},
			{
				ResourceName:    scriptAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				Config:          config,
				// An import block with a matching configuration plans no change.
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scriptAddr, plancheck.ResourceActionNoop)},
				},
			},
		},
	})
}

func TestAccInvocableScript_importIdentity(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	config := scriptConfig(s, "imported", "made outside Terraform", lastPointFlux)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{needsIdentity},
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValueMatchesState(scriptAddr, tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:    scriptAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				Config:          config,
			},
		},
	})
}

func TestAccInvocableScript_nameTaken(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	id := s.createOutOfBand(t, "taken", lastPointFlux+"// someone else's\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      scriptConfig(s, "taken", "", lastPointFlux),
				ExpectError: regexp.MustCompile(`(?s)already has a script named "taken".*terraform import influxdb_invocable_script.<name> ` + id),
			},
		},
	})
}

// One organization never sees another's scripts. (The in-process test
// harness serves every provider alias from one provider instance, so each
// organization gets its own test case rather than an alias.)
func TestAccInvocableScript_twoOrgs(t *testing.T) {
	orgA := emulator.Org{ID: "00000000000000aa", Name: "team-a", Tokens: []string{"token-a"}}
	orgB := emulator.Org{ID: "00000000000000bb", Name: "team-b", Tokens: []string{"token-b"}}
	s := newTestServer(t, emulator.Options{Orgs: []emulator.Org{orgA, orgB}})
	idInA := s.createOutOfBand(t, "same_name", lastPointFlux)

	providerB := fmt.Sprintf(`
provider "influxdb" {
  url   = %q
  token = "token-b"
  org   = "team-b"
}
`, s.URL)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				// The same name in another organization is no conflict.
				Config: providerB + `
resource "influxdb_invocable_script" "b" {
  name   = "same_name"
  script = "from(bucket: params.bucket) |> range(start: -2h)"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("influxdb_invocable_script.b", tfjsonpath.New("org_id"), knownvalue.StringExact(orgB.ID)),
					s.expectScriptCount(orgA.ID, 1),
					s.expectScriptCount(orgB.ID, 1),
				},
			},
			{
				// Organization A's script is invisible to organization B's token.
				Config: providerB + `
resource "influxdb_invocable_script" "b" {
  name   = "same_name"
  script = "from(bucket: params.bucket) |> range(start: -2h)"
}
resource "influxdb_invocable_script" "stolen" {
  name   = "same_name"
  script = "x"
}
`,
				ResourceName:  "influxdb_invocable_script.stolen",
				ImportState:   true,
				ImportStateId: idInA,
				ExpectError:   regexp.MustCompile(`(?s)Cannot import non-existent remote object`),
			},
			{
				// The configured org_id is not the token's organization: the
				// create is refused before anything is written (see
				// TestAccInvocableScript_unknownOrg for the request counts).
				Config: providerB + `
resource "influxdb_invocable_script" "b" {
  name   = "same_name"
  script = "from(bucket: params.bucket) |> range(start: -2h)"
}
resource "influxdb_invocable_script" "wrong_org" {
  name   = "misplaced"
  org_id = "00000000000000aa"
  script = "from(bucket: params.bucket) |> range(start: -3h)"
}
`,
				ExpectError: errorRe("Organization Not Found", "cannot see organization 00000000000000aa"),
			},
			{
				Config: providerB + `
resource "influxdb_invocable_script" "b" {
  name   = "same_name"
  script = "from(bucket: params.bucket) |> range(start: -2h)"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					s.expectScriptCount(orgA.ID, 1),
					s.expectScriptCount(orgB.ID, 1),
				},
			},
		},
	})
}

// writeCount is how many requests since the last reset could have changed
// the server's scripts: creates, updates and deletes, on either generation.
func (s *testServer) writeCount() int {
	n := 0
	for key, count := range s.Stats() {
		method, route, _ := strings.Cut(key, " ")
		if (method == http.MethodPost || method == http.MethodPatch || method == http.MethodDelete) && !strings.HasSuffix(route, "/invoke") {
			n += count
		}
	}
	return n
}

// An org_id the token cannot see (another organization, or none at all)
// fails before anything is written: zero creates, updates or deletes. Run
// with INFLUXDB_TEST_APIS=functions it covers the older generation, whose
// detection lists the organization and meets its 400 or 404.
func TestAccInvocableScript_unknownOrg(t *testing.T) {
	orgA := emulator.Org{ID: "00000000000000aa", Name: "team-a", Tokens: []string{"token-a"}}
	orgB := emulator.Org{ID: "00000000000000bb", Name: "team-b", Tokens: []string{"token-b"}}
	s := newTestServer(t, emulator.Options{Orgs: []emulator.Org{orgA, orgB}})
	providerB := s.providerBlock(`token = "token-b"`, fmt.Sprintf("org_id = %q", orgB.ID))
	for _, orgID := range []string{orgA.ID, "00000000000000ff"} {
		t.Run(orgID, func(t *testing.T) {
			s.ResetStats()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: providerB + fmt.Sprintf(`
resource "influxdb_invocable_script" "elsewhere" {
  name   = "elsewhere"
  org_id = %q
  script = "from(bucket: params.bucket) |> range(start: -1h)"
}
`, orgID),
					ExpectError: errorRe("Organization Not Found", "cannot see organization "+orgID, "does not exist, or the token belongs to another one"),
				}},
			})
			if n := s.writeCount(); n != 0 {
				t.Errorf("%d mutating requests for a configuration error, want 0 (%v)", n, s.Stats())
			}
			if n := s.ScriptCount(orgA.ID) + s.ScriptCount(orgB.ID); n != 0 {
				t.Errorf("%d scripts stored", n)
			}
		})
	}
}

// A functions-only server answers 404 to a list that names an organization
// that does not exist. Detection tells that from a server without the API:
// the error is about the organization, and nothing is written.
func TestAccInvocableScript_unknownOrgDetection(t *testing.T) {
	s := newTestServer(t, emulator.Options{APIs: emulator.APIsFunctions})
	s.ResetStats()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: s.providerBlock(`org_id = "00000000000000ff"`) + `
resource "influxdb_invocable_script" "s" {
  name   = "s"
  script = "from(bucket: params.bucket) |> range(start: -1h)"
}
`,
			ExpectError: errorRe("Organization Not Found", "cannot see organization 00000000000000ff", "/api/v2/functions is served, but not for organization 00000000000000ff"),
		}},
	})
	st := s.Stats()
	if n := s.writeCount(); n != 0 {
		t.Errorf("%d mutating requests, want 0 (%v)", n, st)
	}
	// The list naming the organization, then the same list without it.
	if n := st["GET /api/v2/functions"]; n != 2 {
		t.Errorf("%d lists of /api/v2/functions, want 2 (%v)", n, st)
	}
}

// A URL that serves neither generation of the API is reported as such,
// not as a missing object.
func TestAccInvocableScript_noScriptsAPI(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	front := s.frontURL(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html><body>Not Found</body></html>"))
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: s.providerBlock(front) + `
resource "influxdb_invocable_script" "s" {
  name   = "s"
  script = "from(bucket: params.bucket) |> range(start: -1h)"
}
`,
			ExpectError: errorRe("Unable To Reach The Scripts API", "serves neither /api/v2/scripts nor /api/v2/functions", "Cloud region URL"),
		}},
	})
}

// The check before the create cannot tell when the token may not read
// organizations (401); the provider then creates, and a script that lands in
// another organization than the configured one is deleted again and
// reported.
func TestAccInvocableScript_misplacedScriptRemoved(t *testing.T) {
	orgA := emulator.Org{ID: "00000000000000aa", Name: "team-a", Tokens: []string{"token-a"}}
	orgB := emulator.Org{ID: "00000000000000bb", Name: "team-b", Tokens: []string{"token-b"}}
	s := newTestServer(t, emulator.Options{Orgs: []emulator.Org{orgA, orgB}})
	var orgChecks atomic.Int32
	front := s.frontURL(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/orgs" {
			orgChecks.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"code":"unauthorized","message":"unauthorized access"}`))
			return
		}
		s.ServeHTTP(w, r)
	})
	want := errorRe("Script Created In Another Organization", "in organization 00000000000000bb", "asks for organization 00000000000000aa", "was removed again")
	if functionsOnly() {
		// The functions generation takes orgID in the create and refuses
		// another organization's ID itself.
		want = errorRe("Unable To Create Script", "organization not found")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: s.providerBlock(front, `token = "token-b"`, fmt.Sprintf("org_id = %q", orgB.ID)) + `
resource "influxdb_invocable_script" "misplaced" {
  name   = "misplaced"
  org_id = "00000000000000aa"
  script = "from(bucket: params.bucket) |> range(start: -3h)"
}
`,
			ExpectError: want,
		}},
	})
	if orgChecks.Load() == 0 {
		t.Error("the organization was never checked")
	}
	if n := s.ScriptCount(orgA.ID) + s.ScriptCount(orgB.ID); n != 0 {
		t.Errorf("%d scripts left behind", n)
	}
}

// A script that cannot reference a parameter (its text does not contain
// "params") gets params {} without asking /params: its create is one
// request after detection. The organization is checked once per provider
// process, not per script.
func TestAccInvocableScript_createWithoutParams(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	const plain = "from(bucket: \"telegraf\") |> range(start: -1h) |> last()"
	var emptyParams knownvalue.Check = knownvalue.MapExact(map[string]knownvalue.Check{})
	detection, noOrg := 1, `org_id = null`
	if functionsOnly() {
		// /api/v2/scripts (absent), then /api/v2/functions of the
		// organization, which the functions generation needs.
		detection, noOrg = 2, ""
		emptyParams = knownvalue.Null()
	}
	total := func(want int) serverCheck {
		return func() error {
			n := 0
			for _, c := range s.Stats() {
				n += c
			}
			if n != want {
				return fmt.Errorf("%d requests, want %d (%v)", n, want, s.Stats())
			}
			return nil
		}
	}
	scripts := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "resource \"influxdb_invocable_script\" \"p%d\" {\n  name   = \"p%d\"\n  script = %q\n}\n", i, i, plain)
		}
		return b.String()
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				PreConfig: s.ResetStats,
				Config:    s.providerBlock(noOrg) + scripts(1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("influxdb_invocable_script.p0", tfjsonpath.New("params"), emptyParams),
					s.expectRequests(map[string]int{scriptsRoute("POST", ""): 1, scriptsRoute("GET", "/{id}/params"): 0}),
					total(detection + 1),
				},
			},
			{
				// With org_id: one organization check for three creates.
				PreConfig: s.ResetStats,
				Config:    s.providerBlock() + scripts(4),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("influxdb_invocable_script.p3", tfjsonpath.New("params"), emptyParams),
					s.expectRequests(map[string]int{scriptsRoute("POST", ""): 3, scriptsRoute("GET", "/{id}/params"): 0}),
					orgChecks(s, 1),
				},
			},
		},
	})
}

// orgChecks asserts how many organization checks the server saw: want on
// the scripts generation; on the functions one at most want, as a detection
// that listed the organization already confirmed it.
func orgChecks(s *testServer, want int) serverCheck {
	return func() error {
		got := s.Stats()["GET /api/v2/orgs"]
		if got != want && (!functionsOnly() || got > want) {
			return fmt.Errorf("%d organization checks, want %d (%v)", got, want, s.Stats())
		}
		return nil
	}
}

// Bad input is refused at plan time, naming the attribute, and nothing
// reaches the server.
func TestAccInvocableScript_badInput(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	cases := []struct {
		name, body string
		want       *regexp.Regexp
	}{
		{"empty name", `name = ""
  script = "x"`, regexp.MustCompile(`(?s)Attribute name string length must be at least 1`)},
		{"name with spaces", `name = " padded "
  script = "x"`, regexp.MustCompile(`(?s)Name Has Surrounding White Space.*" padded "`)},
		{"unknown language", `name = "n"
  script = "x"
  language = "javascript"`, regexp.MustCompile(`(?s)Attribute language value must be one of`)},
		{"empty script", `name = "n"
  script = ""`, regexp.MustCompile(`(?s)Attribute script string length must be at least 1`)},
		{"bad org id", `name = "n"
  script = "x"
  org_id = "my-org"`, regexp.MustCompile(`(?s)Attribute org_id must be an InfluxDB organization ID`)},
	}
	steps := make([]resource.TestStep, 0, len(cases)+2)
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      s.providerBlock() + "resource \"influxdb_invocable_script\" \"bad\" {\n  " + tc.body + "\n}\n",
			PlanOnly:    true,
			ExpectError: tc.want,
		})
	}
	// A language the configured API generation does not speak is refused
	// at plan time too (with scripts_api = "auto" it can only be refused
	// once the generation is known, before anything is created).
	for _, lang := range []struct{ api, language, accepted string }{
		{"scripts", "python", "flux, sql, influxql"},
		{"functions", "sql", "flux, python"},
	} {
		steps = append(steps, resource.TestStep{
			Config: s.providerBlock(fmt.Sprintf("scripts_api = %q", lang.api)) +
				fmt.Sprintf("resource \"influxdb_invocable_script\" \"bad\" {\n  name = \"n\"\n  script = \"x\"\n  language = %q\n}\n", lang.language),
			PlanOnly:    true,
			ExpectError: errorRe("Language Not Supported By This API", "speaks the "+lang.api+" API", "accepts the languages "+lang.accepted, fmt.Sprintf("%q is not one of them", lang.language)),
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps:                    steps,
	})
	s.expectNoRequests(t, "bad input")
}

// Removing a description (or setting it to "") clears it on the server with
// one PATCH, and the plans after that are empty.
func TestAccInvocableScript_clearDescription(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	withoutDescription := s.providerBlock() + fmt.Sprintf(`
resource "influxdb_invocable_script" "last_point" {
  name   = "cleared"
  script = %q
}
`, lastPointFlux)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: scriptConfig(s, "cleared", "was set", lastPointFlux)},
			{
				PreConfig: s.ResetStats,
				Config:    withoutDescription,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scriptAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					s.expectRequests(map[string]int{scriptsRoute("PATCH", "/{id}"): 1, scriptsRoute("POST", ""): 0}),
				},
			},
			{
				// The server really holds the empty description: a refresh
				// finds nothing to change, also with description = "" written out.
				Config: scriptConfig(s, "cleared", "", lastPointFlux),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// An update that InfluxDB acknowledges without applying it fails the apply
// and leaves the state as it was, instead of passing as done.
func TestAccInvocableScript_updateNotApplied(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	// In front of the emulator: while ignorePatches is set, a PATCH is
	// answered 200 with the script as it is, as a server that does not
	// support the change might.
	var ignorePatches atomic.Bool
	frontURL := s.frontURL(t, func(w http.ResponseWriter, r *http.Request) {
		if ignorePatches.Load() && r.Method == http.MethodPatch {
			get := r.Clone(r.Context())
			get.Method, get.Body, get.ContentLength = http.MethodGet, http.NoBody, 0
			s.ServeHTTP(w, get)
			return
		}
		s.ServeHTTP(w, r)
	})
	config := func(description string) string {
		return scriptConfig(s, "stubborn", description, lastPointFlux, frontURL)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: config("first")},
			{
				PreConfig:   func() { ignorePatches.Store(true) },
				Config:      config("second"),
				ExpectError: errorRe("Script Update Not Applied", "still has the old description"),
			},
			{
				// The failed apply changed nothing in the state: the plan
				// still wants the update, and it goes through once the
				// server applies it.
				PreConfig: func() { ignorePatches.Store(false) },
				Config:    config("second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scriptAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("description"), knownvalue.StringExact("second")),
				},
			},
		},
	})
}
