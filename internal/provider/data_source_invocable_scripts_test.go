package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// createMany makes n scripts named script-0000 … directly on the server.
// The emulator lists newest first, so script-<n-1> comes first.
func (s *testServer) createMany(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		var out struct {
			ID string `json:"id"`
		}
		status := s.api(t, http.MethodPost, scriptsCollection(), s.scriptCreateBody(map[string]any{
			"name": fmt.Sprintf("script-%04d", i), "description": "", "script": "from(bucket: params.bucket) |> range(start: -1h)", "language": "flux",
		}), &out)
		if status != http.StatusCreated {
			t.Fatalf("creating script %d: HTTP %d", i, status)
		}
		s.deleteOnCloud(t, out.ID)
	}
}

var (
	hexID   = regexp.MustCompile(`^[0-9a-f]{16}$`)
	rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)
)

// nameAt is the path of the name of the i-th listed script.
func nameAt(i int) tfjsonpath.Path {
	return tfjsonpath.New("scripts").AtSliceIndex(i).AtMapKey("name")
}

// Every script is listed, in pages of 500 until a short page: 1,234
// scripts cost exactly three list requests.
func TestAccInvocableScriptsDataSource_allPages(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	// A test does not fill a real account with 1,234 scripts.
	s.requireEmulator(t)
	s.createMany(t, 1234)
	const all, window = "data.influxdb_invocable_scripts.all", "data.influxdb_invocable_scripts.window"
	provider := s.providerBlock(s.apiSetting())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: provider + `data "influxdb_invocable_scripts" "all" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(all, tfjsonpath.New("scripts"), knownvalue.ListSizeExact(1234)),
					statecheck.ExpectKnownValue(all, nameAt(0), knownvalue.StringExact("script-1233")),
					statecheck.ExpectKnownValue(all, nameAt(500), knownvalue.StringExact("script-0733")),
					statecheck.ExpectKnownValue(all, nameAt(1233), knownvalue.StringExact("script-0000")),
					statecheck.ExpectKnownValue(all, tfjsonpath.New("org_id"), knownvalue.StringExact(s.OrgID)),
					statecheck.ExpectKnownValue(all, tfjsonpath.New("scripts").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":          knownvalue.StringRegexp(hexID),
						"org_id":      knownvalue.StringExact(s.OrgID),
						"name":        knownvalue.StringExact("script-1233"),
						"description": knownvalue.StringExact(""),
						"script":      knownvalue.StringExact("from(bucket: params.bucket) |> range(start: -1h)"),
						"language":    knownvalue.StringExact("flux"),
						"url":         knownvalue.Null(),
						"created_at":  knownvalue.StringRegexp(rfc3339),
						"updated_at":  knownvalue.StringRegexp(rfc3339),
					})),
				},
			},
			{
				// One refresh reads the data source once: three pages (500,
				// 500, 234). The provider is pinned to one API generation, so
				// no detection request is made.
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check:        s.expectRequestsFunc(map[string]int{scriptsRoute("GET", ""): 3}),
			},
			{
				// limit and offset pick a window that spans two pages.
				Config: provider + `
data "influxdb_invocable_scripts" "window" {
  limit  = 600
  offset = 10
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(window, tfjsonpath.New("scripts"), knownvalue.ListSizeExact(600)),
					statecheck.ExpectKnownValue(window, nameAt(0), knownvalue.StringExact("script-1223")),
					statecheck.ExpectKnownValue(window, nameAt(599), knownvalue.StringExact("script-0624")),
				},
			},
			{
				// Two pages: 500, then the 100 still wanted.
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check:        s.expectRequestsFunc(map[string]int{scriptsRoute("GET", ""): 2}),
			},
		},
	})
}

func TestAccInvocableScriptsDataSource_filters(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.createMany(t, 5)
	config := s.providerBlock(s.apiSetting()) + `
data "influxdb_invocable_scripts" "by_name" {
  name = "script-0002"
}
data "influxdb_invocable_scripts" "no_such_name" {
  name = "script-9999"
}
data "influxdb_invocable_scripts" "first_two" {
  limit = 2
}
data "influxdb_invocable_scripts" "skip_three" {
  offset = 3
}
data "influxdb_invocable_scripts" "past_the_end" {
  offset = 5
}
data "influxdb_invocable_scripts" "explicit_org" {
  org_id = "` + s.OrgID + `"
  limit  = 1
  offset = 1
}
`
	names := func(ns ...string) knownvalue.Check {
		checks := make([]knownvalue.Check, len(ns))
		for i, n := range ns {
			checks[i] = knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact(n)})
		}
		return knownvalue.ListExact(checks)
	}
	scripts := tfjsonpath.New("scripts")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.influxdb_invocable_scripts.by_name", scripts, names("script-0002")),
					statecheck.ExpectKnownValue("data.influxdb_invocable_scripts.no_such_name", scripts, knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.influxdb_invocable_scripts.first_two", scripts, names("script-0004", "script-0003")),
					statecheck.ExpectKnownValue("data.influxdb_invocable_scripts.skip_three", scripts, names("script-0001", "script-0000")),
					statecheck.ExpectKnownValue("data.influxdb_invocable_scripts.past_the_end", scripts, knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.influxdb_invocable_scripts.explicit_org", scripts, names("script-0003")),
					statecheck.ExpectKnownValue("data.influxdb_invocable_scripts.explicit_org", tfjsonpath.New("org_id"), knownvalue.StringExact(s.OrgID)),
				},
			},
			{
				// Small reads cost one request each.
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check:        s.expectRequestsFunc(map[string]int{scriptsRoute("GET", ""): 6}),
			},
		},
	})
}

// A token lists its own organization; asking for another is an error, not
// a list of the wrong scripts.
func TestAccInvocableScriptsDataSource_otherOrg(t *testing.T) {
	orgA := emulator.Org{ID: "00000000000000aa", Name: "team-a", Tokens: []string{"token-a"}}
	orgB := emulator.Org{ID: "00000000000000bb", Name: "team-b", Tokens: []string{"token-b"}}
	s := newTestServer(t, emulator.Options{Orgs: []emulator.Org{orgA, orgB}})
	s.createOutOfBand(t, "in_a", lastPointFlux)
	want := errorRe("Script Of Another Organization", "asks for the scripts of organization 00000000000000bb", "returned the scripts of organization 00000000000000aa", "use a token of organization 00000000000000bb")
	if functionsOnly() {
		// The functions generation refuses to list another organization.
		want = errorRe("Unable To List Scripts", "organization 00000000000000bb", "organization not found")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: s.providerBlock(s.apiSetting()) + `
data "influxdb_invocable_scripts" "b" {
  org_id = "00000000000000bb"
}
`,
				ExpectError: want,
			},
		},
	})
}

func TestOtherOrgs(t *testing.T) {
	scripts := []influxdb.Script{{ID: "1", OrgID: "a"}, {ID: "2", OrgID: "b"}, {ID: "3", OrgID: "b"}, {ID: "4"}, {ID: "5", OrgID: "c"}}
	if got := otherOrgs(scripts, ""); got != nil {
		t.Errorf("unknown organization: got %v, want nil", got)
	}
	if got := fmt.Sprint(otherOrgs(scripts, "a")); got != "[b c]" {
		t.Errorf("got %s, want [b c]", got)
	}
	if got := otherOrgs(scripts[:1], "a"); got != nil {
		t.Errorf("all in a: got %v, want nil", got)
	}
}

// A server whose name filter matches loosely (here: not at all) still
// yields exactly the scripts of that name, and limit counts those, not the
// server's looser answer.
func TestAccInvocableScriptsDataSource_looseNameFilter(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	s.createMany(t, 5)
	frontURL := s.frontURL(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		q.Del("name")
		r.URL.RawQuery = q.Encode()
		s.ServeHTTP(w, r)
	})
	const addr = "data.influxdb_invocable_scripts.one"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: s.providerBlock(frontURL, s.apiSetting()) + `
data "influxdb_invocable_scripts" "one" {
  name  = "script-0002"
  limit = 1
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("scripts"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue(addr, nameAt(0), knownvalue.StringExact("script-0002")),
				},
			},
		},
	})
}
