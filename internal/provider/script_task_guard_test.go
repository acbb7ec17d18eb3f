package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// tasksServer answers GET /api/v2/tasks with tasks (or status when not
// 200), counting the requests; each answer waits for release when set.
func tasksServer(t *testing.T, status int, tasks string, release chan struct{}) (*influxdb.Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/tasks" {
			http.NotFound(w, r)
			return
		}
		n.Add(1)
		if release != nil {
			<-release
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status == http.StatusOK {
			fmt.Fprintf(w, `{"links":{"self":"/api/v2/tasks"},"tasks":[%s]}`, tasks)
		} else {
			fmt.Fprintf(w, `{"code":"x","message":"HTTP %d"}`, status)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := influxdb.New(srv.URL, "guard-test-token", influxdb.WithAPI(influxdb.APIScripts), influxdb.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

const twoTasks = `{"id":"00000000000000a1","orgID":"0a1b2c3d4e5f6071","name":"one","scriptID":"5c00000000000001","status":"active"},
{"id":"00000000000000a2","orgID":"0a1b2c3d4e5f6071","name":"two","scriptID":"5c00000000000002","status":"inactive"}`

func TestScriptTaskIndexSharesOneListing(t *testing.T) {
	release := make(chan struct{})
	client, listings := tasksServer(t, http.StatusOK, twoTasks, release)
	now := time.Unix(1000, 0)
	var clockMu sync.Mutex
	x := &scriptTaskIndex{now: func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }}

	// Ten destroys at once: one listing, the others wait for it.
	var wg sync.WaitGroup
	results := make([]int, 10)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := x.tasksRunning(context.Background(), client, "0a1b2c3d4e5f6071", "5c00000000000001")
			if err != nil {
				t.Error(err)
			}
			results[i] = len(got)
		}()
	}
	for listings.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if n := listings.Load(); n != 1 {
		t.Errorf("%d listings for ten destroys, want 1", n)
	}
	for i, n := range results {
		if n != 1 {
			t.Errorf("destroy %d saw %d tasks of the script, want 1", i, n)
		}
	}

	// This process deletes task one and creates a task for script 2: the
	// fresh listing is answered as corrected by both.
	x.noteTaskDeleted("00000000000000a1")
	x.noteTask(&influxdb.Task{ID: "00000000000000a3", OrgID: "0a1b2c3d4e5f6071", Name: "three", ScriptID: "5c00000000000002"})
	if got, _ := x.tasksRunning(context.Background(), client, "0a1b2c3d4e5f6071", "5c00000000000001"); len(got) != 0 {
		t.Errorf("a task this process deleted still blocks its script: %v", got)
	}
	got, _ := x.tasksRunning(context.Background(), client, "0a1b2c3d4e5f6071", "5c00000000000002")
	if len(got) != 2 || got[0].ID != "00000000000000a2" || got[1].ID != "00000000000000a3" {
		t.Errorf("tasks of script 2: %v, want a2 and the created a3", got)
	}
	// Moved to another script by this process: no longer blocks script 2.
	x.noteTask(&influxdb.Task{ID: "00000000000000a2", OrgID: "0a1b2c3d4e5f6071", Name: "two", ScriptID: "5c00000000000009"})
	if got, _ := x.tasksRunning(context.Background(), client, "0a1b2c3d4e5f6071", "5c00000000000002"); len(got) != 1 {
		t.Errorf("after moving task two: %v", got)
	}
	if n := listings.Load(); n != 1 {
		t.Errorf("%d listings while fresh, want 1", n)
	}

	// Past the maximum age, the next destroy lists again.
	clockMu.Lock()
	now = now.Add(taskListingMaxAge + time.Second)
	clockMu.Unlock()
	if _, err := x.tasksRunning(context.Background(), client, "0a1b2c3d4e5f6071", "5c00000000000001"); err != nil {
		t.Fatal(err)
	}
	if n := listings.Load(); n != 2 {
		t.Errorf("%d listings after the listing aged, want 2", n)
	}
}

func TestGuardScriptDelete(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		blocked  bool
		severity diag.Severity
		phrases  []string
	}{
		{"a task runs the script", http.StatusOK, true, diag.SeverityError, []string{"Script Still Run By Tasks", `"one" (id 00000000000000a1, active)`}},
		{"no tasks API", http.StatusNotFound, false, diag.SeverityWarning, []string{"Unable To Check Tasks", "no tasks API"}},
		{"token may not read tasks", http.StatusForbidden, false, diag.SeverityWarning, []string{"Unable To Check Tasks"}},
		{"token refused", http.StatusUnauthorized, false, diag.SeverityWarning, []string{"Unable To Check Tasks"}},
		{"server failure", http.StatusInternalServerError, true, diag.SeverityError, []string{"Unable To Delete Script", "was not deleted"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, _ := tasksServer(t, tc.status, twoTasks, nil)
			d := &providerData{client: client, token: "guard-test-token"}
			var diags diag.Diagnostics
			blocked := d.guardScriptDelete(context.Background(), client, "0a1b2c3d4e5f6071", "5c00000000000001", &diags)
			if blocked != tc.blocked || len(diags) != 1 || diags[0].Severity() != tc.severity {
				t.Fatalf("blocked %v, diagnostics %v", blocked, diags)
			}
			text := diags[0].Summary() + " " + diags[0].Detail()
			for _, p := range tc.phrases {
				if !strings.Contains(text, p) {
					t.Errorf("%q lacks %q", text, p)
				}
			}
			if strings.Contains(text, "guard-test-token") {
				t.Error("the token is in the diagnostic")
			}
		})
	}
	t.Run("no task runs the script", func(t *testing.T) {
		client, _ := tasksServer(t, http.StatusOK, twoTasks, nil)
		d := &providerData{client: client, token: "guard-test-token"}
		var diags diag.Diagnostics
		if d.guardScriptDelete(context.Background(), client, "0a1b2c3d4e5f6071", "5c00000000000077", &diags) || len(diags) != 0 {
			t.Errorf("blocked, or diagnostics %v", diags)
		}
	})
}

// A task made outside Terraform blocks its script's destroy, with an error
// naming it; once it is gone the destroy succeeds. The destroys of three
// scripts share one listing of the tasks.
func TestAccInvocableScript_deleteGuard(t *testing.T) {
	skipScriptTasksOnFunctions(t)
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	config := s.providerBlock() + `
resource "influxdb_invocable_script" "many" {
  count  = 3
  name   = "guarded-${count.index}"
  script = "from(bucket: params.bucket) |> range(start: -1h)"
}
`
	var taskID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(st *terraform.State) error {
					scriptID, err := stateAttr(st, "influxdb_invocable_script.many.1", "id")
					if err != nil {
						return err
					}
					taskID = s.createTaskOutOfBand(t, map[string]any{"name": "by-hand", "every": "1h", "scriptID": scriptID,
						"scriptParameters": map[string]any{"bucket": "b"}})
					return nil
				},
			},
			{
				PreConfig:   s.ResetStats,
				Config:      config,
				Destroy:     true,
				ExpectError: errorRe("Script Still Run By Tasks", `"by-hand" (id `),
			},
			{
				PreConfig: func() {
					if n := s.requests("GET /api/v2/tasks"); n != 1 {
						t.Errorf("the destroys listed tasks %d times, want once", n)
					}
					if n := s.ScriptCount(s.OrgID); n != 1 {
						t.Errorf("%d scripts left, want the guarded one", n)
					}
					if status := s.api(t, http.MethodDelete, "/api/v2/tasks/"+taskID, nil, nil); status != http.StatusNoContent {
						t.Fatalf("out-of-band task DELETE: HTTP %d", status)
					}
				},
				Config:  config,
				Destroy: true,
			},
		},
	})
	if n := s.ScriptCount(s.OrgID); n != 0 {
		t.Errorf("%d scripts left after the task was removed", n)
	}
}
