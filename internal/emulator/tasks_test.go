package emulator_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

// wireTask is the test's own view of Task on the wire.
type wireTask struct {
	ID               string                     `json:"id"`
	OrgID            string                     `json:"orgID"`
	OwnerID          string                     `json:"ownerID"`
	Name             string                     `json:"name"`
	Description      string                     `json:"description"`
	Status           string                     `json:"status"`
	Every            string                     `json:"every"`
	Cron             string                     `json:"cron"`
	Offset           string                     `json:"offset"`
	Flux             string                     `json:"flux"`
	ScriptID         string                     `json:"scriptID"`
	ScriptParameters map[string]json.RawMessage `json:"scriptParameters"`
	CreatedAt        string                     `json:"createdAt"`
	UpdatedAt        string                     `json:"updatedAt"`
	LatestCompleted  string                     `json:"latestCompleted"`
	LastRunStatus    string                     `json:"lastRunStatus"`
	LastRunError     string                     `json:"lastRunError"`
}

type wireTasks struct {
	Links map[string]string `json:"links"`
	Tasks []wireTask        `json:"tasks"`
}

func (h *harness) createTask(body map[string]any) wireTask {
	h.t.Helper()
	return decodeJSON[wireTask](h.t, h.expect(call{method: "POST", path: "/api/v2/tasks", body: body}, http.StatusCreated))
}

func TestTaskLifecycle(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	s := h.createScript("downsample", `from(bucket: params.bucket) |> limit(n: params.n)`)

	created := h.createTask(map[string]any{
		"name": "hourly", "description": "d", "every": "1h", "offset": "5m",
		"scriptID": s.ID, "scriptParameters": map[string]any{"bucket": "telegraf", "n": 5},
	})
	switch {
	case !idPattern.MatchString(created.ID) || created.ID == s.ID:
		t.Errorf("id %q", created.ID)
	case created.OrgID != emulator.DefaultOrgID || created.OwnerID == "" || created.Status != "active":
		t.Errorf("orgID %q ownerID %q status %q", created.OrgID, created.OwnerID, created.Status)
	case created.Every != "1h" || created.Cron != "" || created.Offset != "5m" || created.Flux != "":
		t.Errorf("schedule %+v", created)
	case string(created.ScriptParameters["n"]) != "5" || string(created.ScriptParameters["bucket"]) != `"telegraf"`:
		t.Errorf("scriptParameters %v: values must keep their JSON types", created.ScriptParameters)
	case !timePattern.MatchString(created.CreatedAt) || created.CreatedAt != created.UpdatedAt:
		t.Errorf("createdAt %q updatedAt %q", created.CreatedAt, created.UpdatedAt)
	case created.LatestCompleted != "" || created.LastRunStatus != "":
		t.Errorf("a task that never ran reports a run: %+v", created)
	}

	got := decodeJSON[wireTask](t, h.expect(call{method: "GET", path: "/api/v2/tasks/" + created.ID}, http.StatusOK))
	if got.ID != created.ID || got.Name != "hourly" {
		t.Errorf("get %+v", got)
	}

	// every -> cron in one PATCH; the server clears every.
	patched := decodeJSON[wireTask](t, h.expect(call{method: "PATCH", path: "/api/v2/tasks/" + created.ID,
		body: map[string]any{"cron": "0 * * * *", "every": "", "status": "inactive", "offset": "0",
			"scriptParameters": map[string]any{"bucket": "b2", "n": 6}}}, http.StatusOK))
	if patched.Every != "" || patched.Cron != "0 * * * *" || patched.Status != "inactive" || patched.Offset != "" ||
		string(patched.ScriptParameters["n"]) != "6" || patched.UpdatedAt <= created.UpdatedAt || patched.CreatedAt != created.CreatedAt {
		t.Errorf("patched %+v", patched)
	}
	// cron -> every, naming only every: cron goes.
	patched = decodeJSON[wireTask](t, h.expect(call{method: "PATCH", path: "/api/v2/tasks/" + created.ID,
		body: map[string]any{"every": "30m"}}, http.StatusOK))
	if patched.Every != "30m" || patched.Cron != "" {
		t.Errorf("switch back: every %q cron %q", patched.Every, patched.Cron)
	}
	// Another script.
	s2 := h.createScript("other", `from(bucket: "x")`)
	patched = decodeJSON[wireTask](t, h.expect(call{method: "PATCH", path: "/api/v2/tasks/" + created.ID,
		body: map[string]any{"scriptID": s2.ID, "name": "renamed"}}, http.StatusOK))
	if patched.ScriptID != s2.ID || patched.Name != "renamed" || patched.ID != created.ID {
		t.Errorf("patched %+v", patched)
	}
	// An empty PATCH changes nothing, updatedAt included.
	same := decodeJSON[wireTask](t, h.expect(call{method: "PATCH", path: "/api/v2/tasks/" + created.ID, body: map[string]any{}}, http.StatusOK))
	if same.UpdatedAt != patched.UpdatedAt {
		t.Errorf("empty PATCH moved updatedAt")
	}

	h.expect(call{method: "DELETE", path: "/api/v2/tasks/" + created.ID}, http.StatusNoContent)
	expectError(t, h.do(call{method: "GET", path: "/api/v2/tasks/" + created.ID}), http.StatusNotFound, "not found", "task not found")
	expectError(t, h.do(call{method: "DELETE", path: "/api/v2/tasks/" + created.ID}), http.StatusNotFound, "not found", "task not found")
	expectError(t, h.do(call{method: "PATCH", path: "/api/v2/tasks/" + created.ID, body: map[string]any{"status": "active"}}), http.StatusNotFound, "not found", "")
}

func TestTaskCreateRejects(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	s := h.createScript("s", `from(bucket: params.bucket)`)
	flux := "option task = {name: \"f\", every: 1h}\nfrom(bucket: \"b\")"
	for _, tc := range []struct {
		name string
		body map[string]any
		msg  string
	}{
		{"both flux and scriptID", map[string]any{"name": "x", "every": "1h", "flux": flux, "scriptID": s.ID}, "failed to decode request: can not provide both scriptID and flux"},
		{"neither", map[string]any{"name": "x", "every": "1h"}, "failed to decode request: flux required"},
		{"unknown script", map[string]any{"name": "x", "every": "1h", "scriptID": "0000000000000001"}, `failed to decode request: script "0000000000000001" not found`},
		{"parameters without script", map[string]any{"flux": flux, "scriptParameters": map[string]any{"a": 1}}, "failed to decode request: scriptParameters requires scriptID"},
		{"every and cron", map[string]any{"name": "x", "every": "1h", "cron": "* * * * *", "scriptID": s.ID}, "failed to decode request: can not provide both every and cron"},
		{"no schedule", map[string]any{"name": "x", "scriptID": s.ID}, "failed to decode request: every or cron required"},
		{"bad every", map[string]any{"name": "x", "every": "1 hour", "scriptID": s.ID}, ""},
		{"bad offset", map[string]any{"name": "x", "every": "1h", "offset": "-5m", "scriptID": s.ID}, ""},
		{"bad cron", map[string]any{"name": "x", "cron": "* * *", "scriptID": s.ID}, ""},
		{"bad status", map[string]any{"name": "x", "every": "1h", "status": "paused", "scriptID": s.ID}, ""},
		{"no name", map[string]any{"every": "1h", "scriptID": s.ID}, "failed to decode request: name required"},
		{"another org", map[string]any{"name": "x", "every": "1h", "scriptID": s.ID, "orgID": "ffffffffffffffff"}, "failed to decode request: organization not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			c := call{method: "POST", path: "/api/v2/tasks", body: tc.body}
			if tc.name == "bad status" { // status outside TaskStatusType breaks the request contract
				c.expectation = expectation{invalidRequest: true}
			}
			expectError(t, h.do(c), http.StatusBadRequest, "invalid", tc.msg)
		})
	}
	if n := h.srv.TaskCount(emulator.DefaultOrgID); n != 0 {
		t.Errorf("%d tasks stored after rejected creates", n)
	}

	// A Flux task is stored with the options of its "option task" record.
	ft := h.createTask(map[string]any{"flux": flux})
	if ft.Name != "f" || ft.Every != "1h" || ft.ScriptID != "" || ft.Flux != flux {
		t.Errorf("flux task %+v", ft)
	}
}

func TestTaskList(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	a := h.createScript("a", `from(bucket: "a")`)
	b := h.createScript("b", `from(bucket: "b")`)
	var ids []string
	for i := range 7 {
		sid := a.ID
		if i%2 == 1 {
			sid = b.ID
		}
		ids = append(ids, h.createTask(map[string]any{"name": "t", "every": "1h", "scriptID": sid}).ID)
	}
	h.createTask(map[string]any{"flux": "option task = {name: \"t\", cron: \"0 * * * *\"}\nfrom(bucket: \"b\")"})
	slices.Sort(ids)

	// Page with after, limit 3: ID order, next link while pages are full.
	var got []string
	after := ""
	for range 10 {
		path := "/api/v2/tasks?limit=3&scriptID=" + a.ID
		if after != "" {
			path += "&after=" + after
		}
		page := decodeJSON[wireTasks](t, h.expect(call{method: "GET", path: path}, http.StatusOK))
		for _, tk := range page.Tasks {
			got = append(got, tk.ID)
		}
		if len(page.Tasks) < 3 {
			if page.Links["next"] != "" {
				t.Errorf("short page with next link %q", page.Links["next"])
			}
			break
		}
		if !strings.Contains(page.Links["next"], "after="+page.Tasks[2].ID) {
			t.Errorf("next link %q", page.Links["next"])
		}
		after = page.Tasks[len(page.Tasks)-1].ID
	}
	var wantA []string
	for _, id := range ids {
		tk := decodeJSON[wireTask](t, h.expect(call{method: "GET", path: "/api/v2/tasks/" + id}, http.StatusOK))
		if tk.ScriptID == a.ID {
			wantA = append(wantA, id)
		}
	}
	if !slices.Equal(got, wantA) || len(wantA) != 4 {
		t.Errorf("paged %v, want %v", got, wantA)
	}

	all := decodeJSON[wireTasks](t, h.expect(call{method: "GET", path: "/api/v2/tasks?limit=-1&orgID=" + emulator.DefaultOrgID}, http.StatusOK))
	if len(all.Tasks) != 8 {
		t.Errorf("limit=-1 gave %d tasks, want 8", len(all.Tasks))
	}
	named := decodeJSON[wireTasks](t, h.expect(call{method: "GET", path: "/api/v2/tasks?name=t&org=" + emulator.DefaultOrgName + "&status=active"}, http.StatusOK))
	if len(named.Tasks) != 8 {
		t.Errorf("name filter gave %d tasks, want 8", len(named.Tasks))
	}
	expectError(t, h.do(call{method: "GET", path: "/api/v2/tasks?orgID=ffffffffffffffff"}), http.StatusBadRequest, "invalid", "organization not found")
	expectError(t, h.do(call{method: "GET", path: "/api/v2/tasks?limit=0"}), http.StatusBadRequest, "invalid", "")
	expectError(t, h.do(call{method: "GET", path: "/api/v2/tasks?limit=501", expectation: expectation{invalidRequest: true}}), http.StatusBadRequest, "invalid", "")
}

func TestTaskRunAdmin(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	s := h.createScript("s", `from(bucket: params.bucket) |> limit(n: params.n)`)
	good := h.createTask(map[string]any{"name": "good", "every": "1h", "scriptID": s.ID,
		"scriptParameters": map[string]any{"bucket": "b", "n": 1}})
	bad := h.createTask(map[string]any{"name": "bad", "every": "1h", "scriptID": s.ID,
		"scriptParameters": map[string]any{"other": 1}})
	run := func(id string) reply {
		return h.do(call{method: "POST", path: "/_emulator/tasks/" + id + "/run", expectation: expectation{uncontracted: true}})
	}
	before := h.srv.Stats()
	if r := run(good.ID); r.status != http.StatusOK {
		t.Fatalf("run: %d %s", r.status, r.body)
	}
	if r := run(bad.ID); r.status != http.StatusOK {
		t.Fatalf("run: %d %s", r.status, r.body)
	}
	if !mapsEqual(before, h.srv.Stats()) {
		t.Errorf("admin runs were counted in Stats")
	}
	g := decodeJSON[wireTask](t, h.expect(call{method: "GET", path: "/api/v2/tasks/" + good.ID}, http.StatusOK))
	if g.LastRunStatus != "success" || g.LastRunError != "" || !timePattern.MatchString(g.LatestCompleted) {
		t.Errorf("good run: %+v", g)
	}
	b := decodeJSON[wireTask](t, h.expect(call{method: "GET", path: "/api/v2/tasks/" + bad.ID}, http.StatusOK))
	if b.LastRunStatus != "failed" || !strings.Contains(b.LastRunError, "missing bucket, n") {
		t.Errorf("bad run: status %q error %q", b.LastRunStatus, b.LastRunError)
	}

	// A script deleted under a task is allowed; the task's next run fails.
	h.expect(call{method: "DELETE", path: "/api/v2/scripts/" + s.ID}, http.StatusNoContent)
	run(good.ID)
	g = decodeJSON[wireTask](t, h.expect(call{method: "GET", path: "/api/v2/tasks/" + good.ID}, http.StatusOK))
	if g.LastRunStatus != "failed" || !strings.Contains(g.LastRunError, "not found") {
		t.Errorf("run without script: %+v", g)
	}

	h.expect(call{method: "PATCH", path: "/api/v2/tasks/" + good.ID, body: map[string]any{"status": "inactive"}}, http.StatusOK)
	if r := run(good.ID); r.status != http.StatusConflict {
		t.Errorf("inactive run: %d", r.status)
	}
	if r := run("0000000000000009"); r.status != http.StatusNotFound {
		t.Errorf("unknown task run: %d", r.status)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestTasksPersistAndGenerations(t *testing.T) {
	file := filepath.Join(t.TempDir(), "data.json")
	h1 := newHarness(t, emulator.Options{DataFile: file})
	s := h1.createScript("s", `from(bucket: "b")`)
	tk := h1.createTask(map[string]any{"name": "t", "cron": "0 0 * * *", "scriptID": s.ID})
	h2 := newHarness(t, emulator.Options{DataFile: file})
	got := decodeJSON[wireTask](t, h2.expect(call{method: "GET", path: "/api/v2/tasks/" + tk.ID}, http.StatusOK))
	if got.Cron != "0 0 * * *" || got.ScriptID != s.ID {
		t.Errorf("reloaded %+v", got)
	}

	// The functions generation serves no tasks API (see doc.go).
	fn := newHarness(t, emulator.Options{APIs: emulator.APIsFunctions})
	expectError(t, fn.do(call{method: "GET", path: "/api/v2/tasks"}), http.StatusNotFound, "not found", "path not found")
	both := newHarness(t, emulator.Options{APIs: emulator.APIsBoth})
	both.expect(call{method: "GET", path: "/api/v2/tasks"}, http.StatusOK)
}
