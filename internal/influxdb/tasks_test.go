package influxdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/contract"
)

// taskFake is a minimal tasks API for the client's tests. Every exchange goes
// through contract.Validate, so the client's requests and the fake's answers
// are both held to ref-cloud.yml.
type taskFake struct {
	mu    sync.Mutex
	tasks []map[string]any // in ID order
	seq   int
	reqs  []string // "METHOD path?query"
	posts []map[string]any
	// dropPosts > 0 makes the next POSTs close the connection: after storing
	// the task when storeDropped, before it otherwise.
	dropPosts    int
	storeDropped bool
	patches      []string // raw PATCH bodies
}

func newTaskFake(t *testing.T) (*taskFake, *httptest.Server) {
	t.Helper()
	f := &taskFake{}
	srv := httptest.NewServer(contract.Validate(contract.Require(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.serve(t, w, r)
	}), func(err error) { t.Error(err) }))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *taskFake) add(task map[string]any) map[string]any {
	f.seq++
	task["id"] = fmt.Sprintf("%016x", f.seq)
	task["orgID"] = testOrgID
	if task["status"] == nil {
		task["status"] = "active"
	}
	f.tasks = append(f.tasks, task)
	return task
}

func (f *taskFake) serve(t *testing.T, w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.RequestURI())
	body, _ := io.ReadAll(r.Body)
	id, isItem := strings.CutPrefix(r.URL.Path, "/api/v2/tasks/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v2/tasks":
		var in map[string]any
		if err := json.Unmarshal(body, &in); err != nil {
			t.Errorf("POST body: %v", err)
		}
		f.posts = append(f.posts, in)
		if f.dropPosts > 0 {
			f.dropPosts--
			if f.storeDropped {
				f.add(in)
			}
			hijackClose(t, w)
			return
		}
		writeJSON(w, http.StatusCreated, f.add(in))
	case r.Method == http.MethodGet && r.URL.Path == "/api/v2/tasks":
		q := r.URL.Query()
		limit := 100
		if q.Has("limit") {
			_, _ = fmt.Sscan(q.Get("limit"), &limit)
		}
		out := []map[string]any{}
		for _, task := range f.tasks {
			if (q.Get("after") != "" && task["id"].(string) <= q.Get("after")) ||
				(q.Get("name") != "" && task["name"] != q.Get("name")) ||
				(q.Get("scriptID") != "" && task["scriptID"] != q.Get("scriptID")) {
				continue
			}
			if len(out) < limit {
				out = append(out, task)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"links": map[string]string{"self": r.URL.RequestURI()}, "tasks": out})
	case isItem:
		i := slices.IndexFunc(f.tasks, func(m map[string]any) bool { return m["id"] == id })
		if i < 0 {
			writeAPIError(w, http.StatusNotFound, "not found", "task not found")
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, f.tasks[i])
		case http.MethodPatch:
			f.patches = append(f.patches, string(body))
			var in map[string]any
			_ = json.Unmarshal(body, &in)
			for k, v := range in {
				f.tasks[i][k] = v
			}
			writeJSON(w, http.StatusOK, f.tasks[i])
		case http.MethodDelete:
			f.tasks = slices.Delete(f.tasks, i, i+1)
			w.WriteHeader(http.StatusNoContent)
		}
	default:
		writeAPIError(w, http.StatusNotFound, "not found", "path not found")
	}
}

func (f *taskFake) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.reqs {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func TestCreateTaskSendsTypedParameters(t *testing.T) {
	f, srv := newTaskFake(t)
	c := newTestClient(t, srv.URL)
	got, err := c.CreateTask(context.Background(), TaskCreate{
		OrgID: testOrgID, Name: "hourly", ScriptID: "00000000000000aa", Every: "1h", Offset: "5m",
		ScriptParameters: map[string]any{"bucket": "telegraf", "n": json.Number("5"), "f": 2.5},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == "" || got.Every != "1h" || got.ScriptID != "00000000000000aa" {
		t.Errorf("task %+v", got)
	}
	raw, _ := json.Marshal(f.posts[0]["scriptParameters"])
	if string(raw) != `{"bucket":"telegraf","f":2.5,"n":5}` {
		t.Errorf("scriptParameters on the wire %s", raw)
	}
	if f.posts[0]["orgID"] != testOrgID || f.posts[0]["cron"] != nil || f.posts[0]["description"] != "" {
		t.Errorf("body %v", f.posts[0])
	}
	params, err := got.Parameters()
	if err != nil || params["n"] != json.Number("5") || params["f"] != json.Number("2.5") {
		t.Errorf("Parameters() = %v, %v: numbers must stay json.Number", params, err)
	}
	if n := f.count("POST"); n != 1 {
		t.Errorf("%d POSTs", n)
	}
}

func TestCreateTaskAfterAmbiguousFailure(t *testing.T) {
	in := TaskCreate{OrgID: testOrgID, Name: "t", ScriptID: "00000000000000aa", Cron: "0 * * * *",
		ScriptParameters: map[string]any{"n": 5}}
	t.Run("adopts the task the dropped POST made", func(t *testing.T) {
		f, srv := newTaskFake(t)
		// Someone else's task with the same name but other parameters is not adopted.
		f.add(map[string]any{"name": "t", "scriptID": "00000000000000aa", "cron": "0 * * * *", "scriptParameters": map[string]any{"n": 6}, "description": ""})
		f.dropPosts, f.storeDropped = 1, true
		c := newTestClient(t, srv.URL)
		got, err := c.CreateTask(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "0000000000000002" {
			t.Errorf("adopted %s, want the dropped POST's task", got.ID)
		}
		if n := f.count("POST"); n != 1 {
			t.Errorf("%d POSTs, want 1 (no second create)", n)
		}
		if n := f.count("GET /api/v2/tasks?"); n != 1 {
			t.Errorf("%d lookups, want 1", n)
		}
	})
	t.Run("sends again when nothing was made", func(t *testing.T) {
		f, srv := newTaskFake(t)
		f.dropPosts = 1
		c := newTestClient(t, srv.URL)
		if _, err := c.CreateTask(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		if n := f.count("POST"); n != 2 {
			t.Errorf("%d POSTs, want 2", n)
		}
		if len(f.tasks) != 1 {
			t.Errorf("%d tasks stored, want 1", len(f.tasks))
		}
	})
	t.Run("gives up within the shared budget", func(t *testing.T) {
		f, srv := newTaskFake(t)
		f.dropPosts = 100
		c := newTestClient(t, srv.URL, WithMaxRetries(2))
		_, err := c.CreateTask(context.Background(), in)
		var te *TransportError
		if !asErr(err, &te) || te.Attempts != 3 {
			t.Fatalf("err %v, want a TransportError after 3 attempts", err)
		}
		if n := f.count("POST"); n != 3 {
			t.Errorf("%d POSTs, want 3 (max_retries 2 + 1)", n)
		}
	})
}

func TestListAllTasksFollowsTheCursor(t *testing.T) {
	f, srv := newTaskFake(t)
	for i := range 1203 {
		f.add(map[string]any{"name": fmt.Sprint("t", i), "scriptID": "00000000000000aa", "every": "1h"})
	}
	c := newTestClient(t, srv.URL)
	all, err := c.ListAllTasks(context.Background(), TaskListOptions{OrgID: testOrgID, ScriptID: "00000000000000aa"})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1203 {
		t.Errorf("%d tasks, want 1203", len(all))
	}
	want := []string{
		"GET /api/v2/tasks?limit=500&orgID=" + testOrgID + "&scriptID=00000000000000aa",
		"GET /api/v2/tasks?after=00000000000001f4&limit=500&orgID=" + testOrgID + "&scriptID=00000000000000aa",
		"GET /api/v2/tasks?after=00000000000003e8&limit=500&orgID=" + testOrgID + "&scriptID=00000000000000aa",
	}
	if !slices.Equal(f.reqs, want) {
		t.Errorf("requests\n%v\nwant\n%v", f.reqs, want)
	}
}

func TestUpdateGetDeleteTask(t *testing.T) {
	f, srv := newTaskFake(t)
	task := f.add(map[string]any{"name": "t", "scriptID": "00000000000000aa", "every": "1h"})
	id := task["id"].(string)
	c := newTestClient(t, srv.URL)
	ctx := context.Background()

	empty := map[string]any{}
	got, err := c.UpdateTask(ctx, id, TaskUpdate{Cron: strPtr("0 * * * *"), Every: strPtr(""), ScriptParameters: &empty})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"scriptParameters":{},"every":"","cron":"0 * * * *"}`; len(f.patches) != 1 || f.patches[0] != want {
		t.Errorf("PATCH bodies %q, want one %s", f.patches, want)
	}
	if got.Cron != "0 * * * *" || got.Every != "" {
		t.Errorf("updated %+v", got)
	}

	if _, err := c.GetTask(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTask(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetTask(ctx, id); !IsNotFound(err) {
		t.Errorf("GetTask after delete: %v, want not found", err)
	}
	if err := c.DeleteTask(ctx, id); err != nil {
		t.Errorf("deleting a task that is gone: %v", err)
	}
	if n := f.count("DELETE"); n != 2 {
		t.Errorf("%d DELETEs, want 2: a 204 needs no confirming read", n)
	}
	for _, bad := range []string{"", ".."} {
		if _, err := c.GetTask(ctx, bad); err == nil {
			t.Errorf("GetTask(%q) sent a request", bad)
		}
	}
}

func TestTaskParametersOfEmptyAndBadValues(t *testing.T) {
	for raw, want := range map[string]int{"": 0, "null": 0, `{}`: 0, `{"a":1}`: 1} {
		p, err := (&Task{ScriptParameters: json.RawMessage(raw)}).Parameters()
		if err != nil || len(p) != want {
			t.Errorf("%q: %v %v", raw, p, err)
		}
	}
	if _, err := (&Task{ID: "x", ScriptParameters: json.RawMessage(`[1]`)}).Parameters(); err == nil {
		t.Error("an array was accepted as parameters")
	}
}

func asErr[T error](err error, target *T) bool {
	return err != nil && errors.As(err, target)
}
