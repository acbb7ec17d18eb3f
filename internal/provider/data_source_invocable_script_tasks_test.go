package provider

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

// createTaskOutOfBand makes a task on the server directly and returns its id.
func (s *testServer) createTaskOutOfBand(t *testing.T, body map[string]any) string {
	t.Helper()
	var out struct {
		ID string `json:"id"`
	}
	if status := s.api(t, http.MethodPost, "/api/v2/tasks", body, &out); status != http.StatusCreated || out.ID == "" {
		t.Fatalf("out-of-band task create: HTTP %d, id %q", status, out.ID)
	}
	return out.ID
}

func TestAccInvocableScriptTasksDataSource(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	other := s.createOutOfBand(t, "other", `from(bucket: params.bucket)`)
	byHand := s.createTaskOutOfBand(t, map[string]any{"name": "by-hand", "cron": "0 0 * * *", "scriptID": other,
		"scriptParameters": map[string]any{"bucket": "b", "ratio": 0.5}})
	s.createTaskOutOfBand(t, map[string]any{"flux": "option task = {name: \"raw\", every: 1h}\nfrom(bucket: \"b\")"})

	config := taskConfig(s, `  name              = "hourly"
  script_id         = influxdb_invocable_script.src.id
  script_parameters = { bucket = "telegraf", n = 5 }
  every             = "1h"
  offset            = "1m"`) + fmt.Sprintf(`
data "influxdb_invocable_script_tasks" "of_src" {
  script_id  = influxdb_invocable_script_task.hourly.script_id
}

data "influxdb_invocable_script_tasks" "all" {
  depends_on = [influxdb_invocable_script_task.hourly]
}

data "influxdb_invocable_script_tasks" "of_other" {
  script_id = %q
}
`, other)
	const ofSrc, all, ofOther = "data.influxdb_invocable_script_tasks.of_src", "data.influxdb_invocable_script_tasks.all", "data.influxdb_invocable_script_tasks.of_other"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ofSrc, tfjsonpath.New("tasks"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"name":                   knownvalue.StringExact("hourly"),
							"script_parameters_json": knownvalue.StringExact(`{"bucket":"telegraf","n":5}`),
							"every":                  knownvalue.StringExact("1h"),
							"cron":                   knownvalue.Null(),
							"offset":                 knownvalue.StringExact("1m"),
							"status":                 knownvalue.StringExact("active"),
							"org_id":                 knownvalue.StringExact(s.OrgID),
							"last_run_status":        knownvalue.Null(),
						}),
					})),
					statecheck.ExpectKnownValue(ofOther, tfjsonpath.New("tasks"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"id":                     knownvalue.StringExact(byHand),
							"script_parameters_json": knownvalue.StringExact(`{"bucket":"b","ratio":0.5}`),
							"cron":                   knownvalue.StringExact("0 0 * * *"),
							"every":                  knownvalue.Null(),
						}),
					})),
					// Every script task of the organization, the Flux task left out.
					statecheck.ExpectKnownValue(all, tfjsonpath.New("tasks"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue(all, tfjsonpath.New("org_id"), knownvalue.StringExact(s.OrgID)),
				},
			},
			{
				// Each data source reads its list with one request.
				PreConfig: s.ResetStats,
				Config:    config,
				Check: func(*terraform.State) error {
					return s.expectRequests(map[string]int{"GET /api/v2/tasks": 3})()
				},
			},
		},
	})
}

// More tasks than one page: every one is returned, following the cursor.
func TestAccInvocableScriptTasksDataSource_paging(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	script := s.createOutOfBand(t, "paged", `from(bucket: "b")`)
	for i := range 501 {
		s.createTaskOutOfBand(t, map[string]any{"name": fmt.Sprint("t", i), "every": "1h", "scriptID": script})
	}
	s.ResetStats()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: s.providerBlock() + fmt.Sprintf("data \"influxdb_invocable_script_tasks\" \"paged\" {\n  script_id = %q\n}\n", script),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_tasks.paged", tfjsonpath.New("tasks"), knownvalue.ListSizeExact(501)),
				},
			},
		},
	})
}
