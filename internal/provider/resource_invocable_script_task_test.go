package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
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

const taskAddr = "influxdb_invocable_script_task.hourly"

// downsampleFlux reads two parameters: bucket (a string) and n (an int).
const downsampleFlux = `from(bucket: params.bucket)
  |> range(start: -1h)
  |> limit(n: params.n)
`

// skipScriptTasksOnFunctions skips a script task test when the suite runs
// against the older /api/v2/functions generation: tasks run only scripts of
// the current generation (see the emulator's doc.go), which
// TestAccInvocableScriptTask_functionsGeneration covers.
func skipScriptTasksOnFunctions(t *testing.T) {
	t.Helper()
	if functionsOnly() {
		t.Skip("the InfluxDB API defines script tasks (scriptID) only beside /api/v2/scripts, and this run's server (INFLUXDB_TEST_APIS=functions) serves only /api/v2/functions; TestAccInvocableScriptTask_functionsGeneration checks the error users get there")
	}
}

// scriptsBlock declares the scripts "src" (downsampleFlux) and "alt" (reads
// only bucket).
const scriptsBlock = `
resource "influxdb_invocable_script" "src" {
  name   = "downsample"
  script = <<-EOT
from(bucket: params.bucket)
  |> range(start: -1h)
  |> limit(n: params.n)
EOT
}

resource "influxdb_invocable_script" "alt" {
  name   = "alternative"
  script = "from(bucket: params.bucket) |> range(start: -1d)"
}
`

// taskConfig is the provider, both scripts and the task "hourly" with body.
func taskConfig(s *testServer, body string) string {
	return s.providerBlock() + scriptsBlock + "\nresource \"influxdb_invocable_script_task\" \"hourly\" {\n" + body + "\n}\n"
}

func TestAccInvocableScriptTask_lifecycle(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	sameID := statecheck.CompareValue(compare.ValuesSame())
	scriptOfTask := statecheck.CompareValuePairs(taskAddr, tfjsonpath.New("script_id"), "influxdb_invocable_script.src", tfjsonpath.New("id"), compare.ValuesSame())
	altOfTask := statecheck.CompareValuePairs(taskAddr, tfjsonpath.New("script_id"), "influxdb_invocable_script.alt", tfjsonpath.New("id"), compare.ValuesSame())
	first := `  name              = "hourly"
  script_id         = influxdb_invocable_script.src.id
  script_parameters = { bucket = "telegraf", n = 5 }
  every             = "1h"`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: s.providerBlock() + scriptsBlock},
			{
				// Create: the plan checks the script's parameters once, the
				// plan Terraform makes again at apply checks them once more,
				// then one POST.
				PreConfig: s.ResetStats,
				Config:    taskConfig(s, first),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(taskAddr, tfjsonpath.New("org_id"), knownvalue.StringExact(s.OrgID)),
						plancheck.ExpectKnownValue(taskAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{16}$`))),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("every"), knownvalue.StringExact("1h")),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("cron"), knownvalue.Null()),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("offset"), knownvalue.Null()),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("owner_id"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("latest_completed"), knownvalue.Null()),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("last_run_status"), knownvalue.Null()),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("script_parameters"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"bucket": knownvalue.StringExact("telegraf"), "n": knownvalue.Int64Exact(5),
					})),
					scriptOfTask,
					sameID.AddStateValue(taskAddr, tfjsonpath.New("id")),
					s.expectRequests(map[string]int{
						"POST /api/v2/tasks":                1,
						scriptsRoute("GET", "/{id}/params"): 2,
						"PATCH /api/v2/tasks/{id}":          0,
						"GET /api/v2/tasks/{id}":            0,
					}),
					s.expectTaskCount(1),
					s.expectTaskWire(taskAddr, `{"bucket":"telegraf","n":5}`),
				},
			},
			{
				// A refresh is one GET per task, and checks no parameters.
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check: s.expectRequestsFunc(map[string]int{
					"GET /api/v2/tasks/{id}":            1,
					scriptsRoute("GET", "/{id}/params"): 0,
				}),
			},
			{
				ResourceName:            taskAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// Name, description, status, every -> cron and an offset: one
				// PATCH, no parameter check (script and parameters unchanged).
				PreConfig: s.ResetStats,
				Config: taskConfig(s, `  name              = "hourly-renamed"
  description       = "downsamples"
  script_id         = influxdb_invocable_script.src.id
  script_parameters = { bucket = "telegraf", n = 5 }
  cron              = "0 * * * *"
  offset            = "5m"
  status            = "inactive"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(taskAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("every"), knownvalue.Null()),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("cron"), knownvalue.StringExact("0 * * * *")),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("offset"), knownvalue.StringExact("5m")),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("status"), knownvalue.StringExact("inactive")),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("name"), knownvalue.StringExact("hourly-renamed")),
					s.expectRequests(map[string]int{
						"PATCH /api/v2/tasks/{id}":          1,
						"POST /api/v2/tasks":                0,
						"DELETE /api/v2/tasks/{id}":         0,
						scriptsRoute("GET", "/{id}/params"): 0,
					}),
				},
			},
			{
				// Other parameters: checked at plan and at apply, one PATCH.
				PreConfig: s.ResetStats,
				Config: taskConfig(s, `  name              = "hourly-renamed"
  description       = "downsamples"
  script_id         = influxdb_invocable_script.src.id
  script_parameters = { bucket = "metrics", n = 50 }
  cron              = "0 * * * *"
  offset            = "5m"
  status            = "inactive"`),
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(taskAddr, tfjsonpath.New("id")),
					s.expectRequests(map[string]int{
						"PATCH /api/v2/tasks/{id}":          1,
						"POST /api/v2/tasks":                0,
						scriptsRoute("GET", "/{id}/params"): 2,
					}),
					s.expectTaskWire(taskAddr, `{"bucket":"metrics","n":50}`),
				},
			},
			{
				// Another script, back to every, no offset, active again: one PATCH.
				PreConfig: s.ResetStats,
				Config: taskConfig(s, `  name              = "hourly-renamed"
  script_id         = influxdb_invocable_script.alt.id
  script_parameters = { bucket = "metrics" }
  every             = "30m"`),
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(taskAddr, tfjsonpath.New("id")),
					altOfTask,
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("every"), knownvalue.StringExact("30m")),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("cron"), knownvalue.Null()),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("offset"), knownvalue.Null()),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(taskAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					s.expectRequests(map[string]int{
						"PATCH /api/v2/tasks/{id}": 1,
						"POST /api/v2/tasks":       0,
					}),
				},
			},
			{
				// Destroy: one DELETE for the task; the scripts' destroys
				// share one listing of the tasks, which no longer shows the
				// task this process just deleted.
				PreConfig: s.ResetStats,
				Config: taskConfig(s, `  name              = "hourly-renamed"
  script_id         = influxdb_invocable_script.alt.id
  script_parameters = { bucket = "metrics" }
  every             = "30m"`),
				Destroy: true,
			},
		},
	})
	// Checked here, after the last step: CheckDestroy does not run when a
	// Destroy step has already emptied the state.
	if err := s.expectTaskCount(0)(); err != nil {
		t.Error(err)
	}
	if err := s.expectScriptCount(s.OrgID, 0)(); err != nil {
		t.Error(err)
	}
	if err := s.expectRequests(map[string]int{
		"DELETE /api/v2/tasks/{id}":     1,
		"GET /api/v2/tasks":             1,
		scriptsRoute("DELETE", "/{id}"): 2,
	})(); err != nil {
		t.Error(err)
	}
}

// expectTaskCount asserts how many tasks the organization holds.
func (s *testServer) expectTaskCount(n int) serverCheck {
	return func() error {
		if s.onCloud() {
			return nil
		}
		if got := s.TaskCount(s.OrgID); got != n {
			return fmt.Errorf("organization %s holds %d tasks, want %d", s.OrgID, got, n)
		}
		return nil
	}
}

// expectTaskWire asserts the scriptParameters the server holds for the task
// at addr, as the JSON it stores: the values' JSON types are what the API got.
func (s *testServer) expectTaskWire(addr, want string) statecheck.StateCheck {
	return taskWireCheck{s: s, addr: addr, want: want}
}

type taskWireCheck struct {
	s          *testServer
	addr, want string
}

func (c taskWireCheck) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if c.s.onCloud() {
		return
	}
	id := ""
	if req.State != nil && req.State.Values != nil && req.State.Values.RootModule != nil {
		for _, r := range req.State.Values.RootModule.Resources {
			if r.Address == c.addr {
				id, _ = r.AttributeValues["id"].(string)
			}
		}
	}
	if id == "" {
		resp.Error = fmt.Errorf("%s has no id in the state", c.addr)
		return
	}
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodGet, c.s.URL+"/api/v2/tasks/"+id, nil)
	if err != nil {
		resp.Error = err
		return
	}
	httpReq.Header.Set("Authorization", "Token "+c.s.Token)
	res, err := http.DefaultClient.Do(httpReq)
	if err != nil {
		resp.Error = err
		return
	}
	defer func() { _ = res.Body.Close() }()
	var task struct {
		ScriptParameters json.RawMessage `json:"scriptParameters"`
	}
	if err := json.NewDecoder(res.Body).Decode(&task); err != nil || res.StatusCode != http.StatusOK {
		resp.Error = fmt.Errorf("GET task %s: HTTP %d, %v", id, res.StatusCode, err)
		return
	}
	if got := string(task.ScriptParameters); got != c.want {
		resp.Error = fmt.Errorf("scriptParameters on the server %s, want %s", got, c.want)
	}
}

func TestAccInvocableScriptTask_parametersKeepTheirMeaning(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	config := taskConfig(s, `  name              = "hourly"
  script_id         = influxdb_invocable_script.src.id
  script_parameters = { n = 5, bucket = "telegraf", extra = [1, 2.5, "x"], nested = { on = true } }
  every             = "1h"`)
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(st *terraform.State) (err error) {
					id, err = stateAttr(st, taskAddr, "id")
					return err
				},
				ConfigStateChecks: []statecheck.StateCheck{
					s.expectTaskWire(taskAddr, `{"bucket":"telegraf","extra":[1,2.5,"x"],"n":5,"nested":{"on":true}}`),
				},
			},
			{
				// The server now spells 5 as 5.0 and orders keys differently:
				// the same values, so no change is planned.
				PreConfig: func() {
					raw := json.RawMessage(`{"nested":{"on":true},"n":5.0,"extra":[1.0,2.50,"x"],"bucket":"telegraf"}`)
					if status := s.api(t, http.MethodPatch, "/api/v2/tasks/"+id, map[string]any{"scriptParameters": raw}, nil); status != http.StatusOK {
						t.Fatalf("out-of-band PATCH: HTTP %d", status)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					s.expectTaskWire(taskAddr, `{"bucket":"telegraf","extra":[1.0,2.50,"x"],"n":5.0,"nested":{"on":true}}`),
				},
			},
		},
	})
}

func TestAccInvocableScriptTask_drift(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	config := taskConfig(s, `  name              = "hourly"
  script_id         = influxdb_invocable_script.src.id
  script_parameters = { bucket = "telegraf", n = 5 }
  every             = "1h"`)
	var id string
	ids := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(st *terraform.State) (err error) {
					id, err = stateAttr(st, taskAddr, "id")
					return err
				},
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(taskAddr, tfjsonpath.New("id"))},
			},
			{
				// Changed outside Terraform: the plan puts it back in place.
				PreConfig: func() {
					if status := s.api(t, http.MethodPatch, "/api/v2/tasks/"+id, map[string]any{
						"cron": "0 0 * * *", "status": "inactive", "scriptParameters": map[string]any{"bucket": "other"},
					}, nil); status != http.StatusOK {
						t.Fatalf("out-of-band PATCH: HTTP %d", status)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(taskAddr, tfjsonpath.New("every"), knownvalue.StringExact("1h")),
						plancheck.ExpectKnownValue(taskAddr, tfjsonpath.New("cron"), knownvalue.Null()),
						plancheck.ExpectKnownValue(taskAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{s.expectTaskWire(taskAddr, `{"bucket":"telegraf","n":5}`)},
			},
			{
				// Deleted outside Terraform: the plan creates it again.
				PreConfig: func() {
					if status := s.api(t, http.MethodDelete, "/api/v2/tasks/"+id, nil, nil); status != http.StatusNoContent {
						t.Fatalf("out-of-band DELETE: HTTP %d", status)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(taskAddr, tfjsonpath.New("id")), s.expectTaskCount(1)},
			},
		},
	})
}

// A task without every parameter its script reads is refused before
// anything is written: at plan time when the script is known, at apply
// (before the POST) when the script is created in the same run.
func TestAccInvocableScriptTask_missingParameters(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	scriptID := s.createOutOfBand(t, "existing", downsampleFlux)
	s.ResetStats()
	existing := func(params string) string {
		return s.providerBlock() + fmt.Sprintf(`
resource "influxdb_invocable_script_task" "hourly" {
  name              = "hourly"
  script_id         = %q
  script_parameters = %s
  every             = "1h"
}
`, scriptID, params)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      existing(`{ bucket = "telegraf" }`),
				PlanOnly:    true,
				ExpectError: errorRe("Missing Script Parameters", "reads the parameter \"n\"", "script_parameters = { n = ... }"),
			},
			{
				Config:      existing(`{ other = 1 }`),
				PlanOnly:    true,
				ExpectError: errorRe("Missing Script Parameters", `the parameters "bucket" and "n"`),
			},
			{
				// No parameters at all.
				Config: s.providerBlock() + fmt.Sprintf(`
resource "influxdb_invocable_script_task" "hourly" {
  name      = "hourly"
  script_id = %q
  every     = "1h"
}
`, scriptID),
				ExpectError: errorRe("Missing Script Parameters", `the parameters "bucket" and "n"`),
			},
			{
				// The script is created in the same run: the check runs at apply.
				Config:      taskConfig(s, "  name = \"hourly\"\n  script_id = influxdb_invocable_script.src.id\n  script_parameters = { bucket = \"x\" }\n  every = \"1h\""),
				ExpectError: errorRe("Missing Script Parameters", `reads the parameter "n"`),
			},
		},
	})
	if got := s.requests("POST /api/v2/tasks") + s.requests("PATCH /api/v2/tasks/{id}") + s.requests("DELETE /api/v2/tasks/{id}"); got != 0 {
		t.Errorf("%d mutating task requests reached the server, want 0 (%v)", got, s.Stats())
	}
	if !s.onCloud() && s.TaskCount(s.OrgID) != 0 {
		t.Errorf("%d tasks created", s.TaskCount(s.OrgID))
	}
}

// An update that would leave the task without a parameter its script reads,
// by another script_id or by fewer script_parameters, is refused in the plan:
// the task keeps running as it was, and no PATCH is sent.
func TestAccInvocableScriptTask_missingParametersOnUpdate(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	task := func(script, params string) string {
		return taskConfig(s, fmt.Sprintf("  name = \"hourly\"\n  script_id = influxdb_invocable_script.%s.id\n  script_parameters = %s\n  every = \"1h\"", script, params))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: task("alt", `{ bucket = "telegraf" }`)},
			{
				// src reads n as well.
				PreConfig:   s.ResetStats,
				Config:      task("src", `{ bucket = "telegraf" }`),
				ExpectError: errorRe("Missing Script Parameters", `reads the parameter "n"`),
			},
			{
				// alt reads bucket, which the new parameters lack.
				Config:      task("alt", `{ other = "x" }`),
				ExpectError: errorRe("Missing Script Parameters", `reads the parameter "bucket"`),
			},
			{
				// Nothing changed on the server: the first configuration plans nothing.
				Config:   task("alt", `{ bucket = "telegraf" }`),
				PlanOnly: true,
			},
		},
	})
	// Counted from the first refused plan on; the destroy at the end
	// sends DELETEs only.
	if got := s.requests("PATCH /api/v2/tasks/{id}") + s.requests("POST /api/v2/tasks"); got != 0 {
		t.Errorf("%d POST or PATCH task requests reached the server, want 0 (%v)", got, s.Stats())
	}
}

// Validation needs no server, so this runs on either API generation.
func TestAccInvocableScriptTask_badInput(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	cases := []struct {
		body string
		want *regexp.Regexp
	}{
		{`every = "1h"
  cron = "0 * * * *"`, regexp.MustCompile(`(?s)Invalid Attribute Combination.*every.*cron`)},
		{``, errorRe("Missing Attribute Configuration", "Exactly one of these attributes must be configured: [every,cron]")},
		{`every = "1 hour"`, errorRe("Invalid Duration", `every = "1 hour"`)},
		{`every = "60"`, errorRe("Invalid Duration")},
		{`every = "0h0m"`, errorRe("Invalid Duration", `every = "0h0m" is zero`)},
		{`every = "1h"
  offset = "0"`, errorRe("Invalid Duration", "leave offset out")},
		{`cron = "* * *"`, errorRe("Invalid Cron Expression", "3 fields")},
		{`cron = "61 * * * *"`, errorRe("Invalid Cron Expression", "minute")},
		{`cron = "@fortnightly"`, errorRe("Invalid Cron Expression", "unknown macro")},
		{`every = "1h"
  status = "paused"`, regexp.MustCompile(`(?s)Attribute status value must be one of`)},
		{`every = "1h"
  script_parameters = "bucket=x"`, errorRe("Invalid Script Parameters", "but it is a string")},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      s.providerBlock() + "resource \"influxdb_invocable_script_task\" \"bad\" {\n  name = \"t\"\n  script_id = \"0a1b2c3d4e5f6071\"\n  " + tc.body + "\n}\n",
			PlanOnly:    true,
			ExpectError: tc.want,
		})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: testAccProviders, Steps: steps})
	s.expectNoRequests(t, "bad task input")
}

func TestAccInvocableScriptTask_importBlock(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	config := taskConfig(s, "  name = \"hourly\"\n  script_id = influxdb_invocable_script.src.id\n  script_parameters = { bucket = \"b\", n = 1 }\n  cron = \"@hourly\"")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_5_0)},
		Steps: []resource.TestStep{
			{Config: config},
			{
				ResourceName:    taskAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				Config:          config,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(taskAddr, plancheck.ResourceActionNoop)},
				},
			},
		},
	})
}

func TestAccInvocableScriptTask_importIdentity(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	config := taskConfig(s, "  name = \"hourly\"\n  script_id = influxdb_invocable_script.src.id\n  script_parameters = { bucket = \"b\", n = 1 }\n  every = \"1h\"")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{needsIdentity},
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectIdentityValueMatchesState(taskAddr, tfjsonpath.New("id"))},
			},
			{
				ResourceName:    taskAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				Config:          config,
			},
		},
	})
}

// Importing a task that carries its own Flux is an error, not a half-filled state.
func TestAccInvocableScriptTask_importFluxTask(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	var flux struct {
		ID string `json:"id"`
	}
	if status := s.api(t, http.MethodPost, "/api/v2/tasks", map[string]any{
		"flux": "option task = {name: \"raw\", every: 1h}\nfrom(bucket: \"b\") |> range(start: -1h)",
	}, &flux); status != http.StatusCreated {
		t.Fatalf("creating a Flux task: HTTP %d", status)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:        s.providerBlock() + "resource \"influxdb_invocable_script_task\" \"hourly\" {\n  name = \"raw\"\n  script_id = \"0a1b2c3d4e5f6071\"\n  every = \"1h\"\n}\n",
				ResourceName:  taskAddr,
				ImportState:   true,
				ImportStateId: flux.ID,
				ExpectError:   errorRe("Not A Script Task", flux.ID, "runs Flux of its own"),
			},
		},
	})
}

// A run through the emulator shows in last_run_status after a refresh; a
// script changed outside Terraform to read a new parameter makes the next run
// fail with an error naming it.
func TestAccInvocableScriptTask_runs(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	config := taskConfig(s, "  name = \"hourly\"\n  script_id = influxdb_invocable_script.src.id\n  script_parameters = { bucket = \"b\", n = 1 }\n  every = \"1h\"")
	var taskID, scriptID string
	run := func() {
		if err := s.RunTask(taskID); err != nil {
			t.Fatalf("running task %s: %v", taskID, err)
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(st *terraform.State) (err error) {
					if taskID, err = stateAttr(st, taskAddr, "id"); err != nil {
						return err
					}
					scriptID, err = stateAttr(st, "influxdb_invocable_script.src", "id")
					return err
				},
			},
			{
				PreConfig:    run,
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(taskAddr, "last_run_status", "success"),
					resource.TestCheckNoResourceAttr(taskAddr, "last_run_error"),
					resource.TestMatchResourceAttr(taskAddr, "latest_completed", regexp.MustCompile(`^\d{4}-`)),
				),
			},
			{
				PreConfig: func() {
					if status := s.api(t, http.MethodPatch, scriptsCollection()+"/"+scriptID, map[string]any{"script": downsampleFlux + "  |> filter(fn: (r) => r.host == params.host)\n"}, nil); status != http.StatusOK {
						t.Fatalf("out-of-band script PATCH: HTTP %d", status)
					}
					run()
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(taskAddr, "last_run_status", "failed"),
					resource.TestMatchResourceAttr(taskAddr, "last_run_error", regexp.MustCompile(`missing host`)),
				),
				ExpectNonEmptyPlan: true, // the script itself drifted
			},
		},
	})
}

// On the older /api/v2/functions generation tasks cannot run scripts: the
// plan says so, nothing is created, and destroying a script does not list
// tasks.
func TestAccInvocableScriptTask_functionsGeneration(t *testing.T) {
	s := newTestServer(t, emulator.Options{APIs: emulator.APIsFunctions})
	s.requireEmulator(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: s.providerBlock() + scriptsBlock},
			{
				Config:      taskConfig(s, "  name = \"hourly\"\n  script_id = influxdb_invocable_script.alt.id\n  script_parameters = { bucket = \"b\" }\n  every = \"1h\""),
				ExpectError: errorRe("Script Tasks Not Supported", "functions"),
			},
			{PreConfig: s.ResetStats, Config: s.providerBlock() + scriptsBlock, Destroy: true},
		},
	})
	if err := s.expectTaskCount(0)(); err != nil {
		t.Error(err)
	}
	if err := s.expectScriptCount(s.OrgID, 0)(); err != nil {
		t.Error(err)
	}
	if err := s.expectRequests(map[string]int{"GET /api/v2/tasks": 0, "POST /api/v2/tasks": 0, "DELETE /api/v2/functions/{id}": 2})(); err != nil {
		t.Error(err)
	}
}
