package provider

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

// Batched reads (batch_reads): a refresh of many scripts is served from list
// pages. The provider is pinned to the generation under test, so every list
// request counted here is a page of a refresh, never detection.

// listed returns the scripts of the organization from position offset on,
// newest first, as an out-of-band client sees them.
func (s *testServer) listed(t *testing.T, offset, limit int) []struct{ ID, Name string } {
	t.Helper()
	var out map[string][]struct{ ID, Name string }
	path := fmt.Sprintf("%s?limit=%d&offset=%d", scriptsCollection(), limit, offset)
	if status := s.api(t, http.MethodGet, path, nil, &out); status != http.StatusOK || len(out) != 1 {
		t.Fatalf("listing scripts: HTTP %d, %v", status, out)
	}
	for _, scripts := range out {
		return scripts
	}
	return nil
}

// idOf returns the ID of the script with this name.
func (s *testServer) idOf(t *testing.T, name string) string {
	t.Helper()
	for _, sc := range s.listed(t, 0, 500) {
		if sc.Name == name {
			return sc.ID
		}
	}
	t.Fatalf("no script named %q", name)
	return ""
}

// getRecorder notes the script IDs of single-script GETs, in order of arrival.
type getRecorder struct {
	mu  sync.Mutex
	ids []string
}

func (g *getRecorder) reset() { g.mu.Lock(); g.ids = nil; g.mu.Unlock() }

func (g *getRecorder) all() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.ids)
}

// recordGets puts a recorder in front of the emulator and returns the url
// setting that points at it.
func (s *testServer) recordGets(t *testing.T) (string, *getRecorder) {
	t.Helper()
	rec := &getRecorder{}
	url := s.frontURL(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			for _, coll := range []string{"/api/v2/scripts/", "/api/v2/functions/"} {
				if id, ok := strings.CutPrefix(r.URL.Path, coll); ok && !strings.Contains(id, "/") {
					rec.mu.Lock()
					rec.ids = append(rec.ids, id)
					rec.mu.Unlock()
				}
			}
		}
		s.ServeHTTP(w, r)
	})
	return url, rec
}

// expectConfirmed asserts that a burst of reads sent one GET, for its first
// read, plus one for the script that the list pages lacked, unless that
// script was the first read: so its state rests on its own GET.
func expectConfirmed(rec *getRecorder, id func() string) func(*terraform.State) error {
	return func(*terraform.State) error {
		gets, want := rec.all(), id()
		if len(gets) == 0 || !slices.Contains(gets, want) {
			return fmt.Errorf("script %s was never read with its own GET (GETs: %v)", want, gets)
		}
		n := 2
		if gets[0] == want {
			n = 1
		}
		if len(gets) != n {
			return fmt.Errorf("%d GETs, want %d: the burst's first read and the confirmation of %s (GETs: %v)", len(gets), n, want, gets)
		}
		return nil
	}
}

// A refresh of 30 scripts that sit on two list pages (480 newer scripts made
// outside Terraform come first) costs the first read's GET and two pages;
// with batch_reads = false, one GET per script as before.
func TestAccBatchReads_refreshCostsPages(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	config := s.providerBlock(s.pinnedAPI()) + manyScripts(30)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					s.createMany(t, 480)
					s.ResetStats()
				},
				RefreshState: true,
				Check: s.expectRequestsFunc(map[string]int{
					scriptsRoute("GET", ""):             2,
					scriptsRoute("GET", "/{id}"):        1,
					scriptsRoute("GET", "/{id}/params"): 0,
				}),
			},
			{Config: s.providerBlock(s.pinnedAPI(), "batch_reads = false") + manyScripts(30)},
			{
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check: s.expectRequestsFunc(map[string]int{
					scriptsRoute("GET", ""):             0,
					scriptsRoute("GET", "/{id}"):        30,
					scriptsRoute("GET", "/{id}/params"): 0,
				}),
			},
		},
	})
}

// One script costs one GET and no list.
func TestAccBatchReads_oneScript(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: s.providerBlock(s.pinnedAPI()) + manyScripts(1)},
			{
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check:        s.expectRequestsFunc(map[string]int{scriptsRoute("GET", ""): 0, scriptsRoute("GET", "/{id}"): 1}),
			},
		},
	})
}

// The environment variable turns batching off too.
func TestAccBatchReads_offByEnvironment(t *testing.T) {
	t.Setenv("INFLUXDB_BATCH_READS", "false")
	s := newTestServer(t, emulator.Options{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: s.providerBlock(s.pinnedAPI()) + manyScripts(5)},
			{
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check:        s.expectRequestsFunc(map[string]int{scriptsRoute("GET", ""): 0, scriptsRoute("GET", "/{id}"): 5}),
			},
		},
	})
}

// With batching on, a refresh still reports what the server holds: a script
// deleted outside Terraform is planned for creation again once its own GET
// has said 404, and one edited outside Terraform is planned back.
func TestAccBatchReads_outOfBandChanges(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	front, rec := s.recordGets(t)
	config := s.providerBlock(front, s.pinnedAPI()) + manyScripts(5)
	var deleted string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					deleted = s.idOf(t, "script-2")
					if status := s.api(t, http.MethodDelete, scriptsCollection()+"/"+deleted, nil, nil); status != http.StatusNoContent {
						t.Fatalf("out-of-band delete: HTTP %d", status)
					}
					rec.reset()
					s.ResetStats()
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectConfirmed(rec, func() string { return deleted }),
					s.expectRequestsFunc(map[string]int{scriptsRoute("GET", ""): 1}),
					func(st *terraform.State) error {
						if _, ok := st.RootModule().Resources["influxdb_invocable_script.many.2"]; ok {
							return fmt.Errorf("the deleted script is still in the state")
						}
						return nil
					},
				),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("influxdb_invocable_script.many[2]", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("influxdb_invocable_script.many[1]", plancheck.ResourceActionNoop),
					},
				},
			},
			{
				PreConfig: func() {
					id := s.idOf(t, "script-3")
					if status := s.api(t, http.MethodPatch, scriptsCollection()+"/"+id, map[string]any{"description": "edited elsewhere"}, nil); status != http.StatusOK {
						t.Fatalf("out-of-band edit: HTTP %d", status)
					}
					rec.reset()
					s.ResetStats()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("influxdb_invocable_script.many[3]", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("influxdb_invocable_script.many[1]", plancheck.ResourceActionNoop),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("influxdb_invocable_script.many[3]", tfjsonpath.New("description"), knownvalue.StringExact("")),
					// The plan's refresh: one GET, one page; then one PATCH.
					s.expectRequests(map[string]int{scriptsRoute("GET", ""): 1, scriptsRoute("GET", "/{id}"): 1, scriptsRoute("PATCH", "/{id}"): 1}),
				},
			},
		},
	})
}

// Another client changes the organization while the pages are read. A
// script created between two pages moves the list down by one: the next
// page repeats a script, and nothing is lost. A script deleted between two
// pages moves it up by one: the first script of the next page is never
// listed, and its own GET finds it. Either way the refresh reports every
// script, and the plan after it is empty.
func TestAccBatchReads_betweenPages(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	front, rec := s.recordGets(t)
	var skipped string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: s.providerBlock(front, s.pinnedAPI()) + manyScripts(30)},
			{
				PreConfig: func() {
					s.createMany(t, 480)
					s.SetFaults(emulator.Faults{CreateBetweenPages: 1})
					s.ResetStats()
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					s.expectRequestsFunc(map[string]int{scriptsRoute("GET", ""): 2, scriptsRoute("GET", "/{id}"): 1}),
					// 30 + 480 + the one made between the pages.
					func(*terraform.State) error { return s.expectScriptCount(s.OrgID, 511)() },
				),
			},
			{
				PreConfig: func() {
					// The newest script goes between the pages, so the one
					// now at position 500, a managed one, is skipped.
					at := s.listed(t, 500, 1)
					if len(at) != 1 || len(at[0].Name) >= len("script-0000") {
						t.Fatalf("position 500 does not hold a managed script: %v", at)
					}
					skipped = at[0].ID
					s.SetFaults(emulator.Faults{DeleteBetweenPages: 1})
					rec.reset()
					s.ResetStats()
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					s.expectRequestsFunc(map[string]int{scriptsRoute("GET", ""): 2}),
					expectConfirmed(rec, func() string { return skipped }),
					func(*terraform.State) error { return s.expectScriptCount(s.OrgID, 510)() },
				),
			},
		},
	})
}

// The data sources that list and find scripts answer from the refresh's
// listing: no request of their own beyond /params.
func TestAccBatchReads_dataSources(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	config := s.providerBlock(s.pinnedAPI()) + manyScripts(5) + `
data "influxdb_invocable_scripts" "all" {
  depends_on = [influxdb_invocable_script.many]
}
data "influxdb_invocable_script" "by_name" {
  name       = "script-1"
  depends_on = [influxdb_invocable_script.many]
}
data "influxdb_invocable_script" "by_id" {
  id         = influxdb_invocable_script.many[2].id
  depends_on = [influxdb_invocable_script.many]
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					s.expectRequestsFunc(map[string]int{
						scriptsRoute("GET", ""):             1,
						scriptsRoute("GET", "/{id}"):        1,
						scriptsRoute("GET", "/{id}/params"): 2 * paramsRequests(),
					}),
					resource.TestCheckResourceAttr("data.influxdb_invocable_scripts.all", "scripts.#", "5"),
					resource.TestCheckResourceAttrPair("data.influxdb_invocable_script.by_name", "id", "influxdb_invocable_script.many.1", "id"),
					resource.TestCheckResourceAttrPair("data.influxdb_invocable_script.by_id", "name", "influxdb_invocable_script.many.2", "name"),
				),
			},
		},
	})
}

// An organization given by name: the refresh needs no lookup of it, and
// costs one GET and one page, in another organization than the first.
func TestAccBatchReads_organizationByName(t *testing.T) {
	orgA := emulator.Org{ID: "00000000000000aa", Name: "team-a", Tokens: []string{"token-a"}}
	orgB := emulator.Org{ID: "00000000000000bb", Name: "team-b", Tokens: []string{"token-b"}}
	s := newTestServer(t, emulator.Options{Orgs: []emulator.Org{orgA, orgB}})
	s.createOutOfBand(t, "in_a", lastPointFlux)
	config := s.providerBlock(s.pinnedAPI(), `token = "token-b"`, "org_id = null", `org = "team-b"`) + manyScripts(5)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("influxdb_invocable_script.many[0]", tfjsonpath.New("org_id"), knownvalue.StringExact(orgB.ID)),
					s.expectScriptCount(orgB.ID, 5),
				},
			},
			{
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check: s.expectRequestsFunc(map[string]int{
					"GET /api/v2/orgs":           0,
					scriptsRoute("GET", ""):      1,
					scriptsRoute("GET", "/{id}"): 1,
				}),
			},
		},
	})
}

// Destroying 30 scripts costs 30 DELETEs and, as Terraform deletes ten at a
// time and the ten finish together, one listing per ten to confirm them,
// instead of a read each. (Every request takes 150 ms here, as over a
// network, so that each ten are under way together.)
func TestAccBatchDeletes_destroyMany(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	config := s.providerBlock(s.pinnedAPI()) + manyScripts(30)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					s.SetFaults(emulator.Faults{Latency: 150 * time.Millisecond})
					s.ResetStats()
				},
				Config:  config,
				Destroy: true,
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if n := s.ScriptCount(s.OrgID); n != 0 {
				return fmt.Errorf("%d scripts left after destroy", n)
			}
			// The plan's refresh: one GET and one page. The deletions: 30
			// DELETEs and three pages.
			return s.expectRequests(map[string]int{
				scriptsRoute("DELETE", "/{id}"): 30,
				scriptsRoute("GET", "/{id}"):    1,
				scriptsRoute("GET", ""):         1 + 3,
			})()
		},
	})
}

// A replacement that keeps the name succeeds while InfluxDB still holds the
// old scripts queued for deletion: the shared listing still shows them, so
// each deletion is confirmed by its own reads before the new script is made.
func TestAccBatchDeletes_replaceWhileQueued(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	lang, text := "sql", "SELECT 1"
	if functionsOnly() {
		lang, text = "python", "print(1)"
	}
	config := func(language, script string) string {
		return s.providerBlock(s.pinnedAPI()) + fmt.Sprintf(`
resource "influxdb_invocable_script" "many" {
  count    = 5
  name     = "script-${count.index}"
  language = %q
  script   = %q
}
`, language, script)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: config("flux", "from(bucket: params.bucket) |> range(start: -1h)")},
			{
				PreConfig: func() {
					s.SetFaults(emulator.Faults{DeleteDelay: time.Second})
					s.ResetStats()
				},
				Config: config(lang, text),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("influxdb_invocable_script.many[0]", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("influxdb_invocable_script.many[4]", tfjsonpath.New("language"), knownvalue.StringExact(lang)),
					s.expectScriptCount(s.OrgID, 5),
					s.expectNoDuplicates(),
					serverCheck(func() error {
						// Every old script was still there after its DELETE.
						if n := s.requests(scriptsRoute("GET", "/{id}")); n < 5+1 {
							return fmt.Errorf("only %d reads of single scripts: the deletions were not queued, and the test proves nothing (%v)", n, s.Stats())
						}
						return nil
					}),
				},
			},
		},
	})
}
