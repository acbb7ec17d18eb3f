package influxdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
)

// Task is a scheduled task as the server reports it. A task runs either Flux
// of its own (Flux set) or an invocable script (ScriptID set).
type Task struct {
	ID          string `json:"id"`
	OrgID       string `json:"orgID"`
	OwnerID     string `json:"ownerID"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Status      string `json:"status"`
	Every       string `json:"every"`
	Cron        string `json:"cron"`
	Offset      string `json:"offset"`
	Flux        string `json:"flux"`
	ScriptID    string `json:"scriptID"`
	// ScriptParameters is kept as the server sent it; Parameters decodes it
	// with numbers intact.
	ScriptParameters json.RawMessage `json:"scriptParameters"`
	CreatedAt        string          `json:"createdAt"`
	UpdatedAt        string          `json:"updatedAt"`
	LatestCompleted  string          `json:"latestCompleted"`
	LastRunStatus    string          `json:"lastRunStatus"`
	LastRunError     string          `json:"lastRunError"`
}

// Parameters decodes ScriptParameters; numbers come back as json.Number so
// that 5 and 5.0 stay what the server said. A task without parameters gives
// an empty map.
func (t *Task) Parameters() (map[string]any, error) {
	out := map[string]any{}
	raw := bytes.TrimSpace(t.ScriptParameters)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("task %s: scriptParameters is not a JSON object: %w", t.ID, err)
	}
	return out, nil
}

// ScriptTasks reports whether tasks can run scripts of this generation:
// scriptID on a task names a script of the /api/v2/scripts generation; the
// /functions generation predates it.
func (c Capabilities) ScriptTasks() bool { return c.API == APIScripts }

// TaskCreate is a new task that runs a script. Exactly one of Every and
// Cron is set. Empty Offset and Status are left to the server (no offset,
// active).
type TaskCreate struct {
	OrgID            string
	Name             string
	Description      string
	ScriptID         string
	ScriptParameters map[string]any
	Every            string
	Cron             string
	Offset           string
	Status           string
}

// TaskUpdate lists the fields to change; nil leaves a field alone. An empty
// Every, Cron or Offset removes it, so a switch from every to cron sets Cron
// and sets Every to "".
type TaskUpdate struct {
	Name             *string
	Description      *string
	ScriptID         *string
	ScriptParameters *map[string]any
	Every            *string
	Cron             *string
	Offset           *string
	Status           *string
}

// TaskListOptions narrows a task list. OrgID or Org selects the
// organization (the token's when both are empty).
type TaskListOptions struct {
	OrgID    string
	Org      string
	ScriptID string // only tasks that run this script
	Name     string // exact name
	After    string // the ID cursor: tasks after this one
	Limit    int    // page size, 1..MaxPageSize; 0 means the server's default
}

const tasksPath = "api/v2/tasks"

func taskPath(id string) string { return tasksPath + "/" + url.PathEscape(id) }

func checkTaskID(op, id string) error {
	switch id {
	case "":
		return fmt.Errorf("%s: empty task id", op)
	case ".", "..":
		return fmt.Errorf("%s: invalid task id %q", op, id)
	}
	return nil
}

// check rejects answers that lack what every task has.
func (t *Task) check() error {
	if t.ID == "" {
		return errors.New("task has no id")
	}
	if t.Name == "" {
		return fmt.Errorf("task %s has no name", t.ID)
	}
	return nil
}

// ListTasks returns one page of tasks in the server's (ID) order.
func (c *Client) ListTasks(ctx context.Context, opts TaskListOptions) ([]Task, error) {
	q := url.Values{}
	for k, v := range map[string]string{"orgID": opts.OrgID, "org": opts.Org, "scriptID": opts.ScriptID, "name": opts.Name, "after": opts.After} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if opts.OrgID != "" {
		q.Del("org")
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	var page struct {
		Tasks *[]Task `json:"tasks"`
	}
	const op = "list tasks"
	if err := c.do(ctx, &request{op: op, method: http.MethodGet, path: tasksPath, query: q}, &page); err != nil {
		return nil, err
	}
	if page.Tasks == nil {
		return nil, &DecodeError{Op: op, StatusCode: http.StatusOK, Err: errors.New(`no "tasks" key in the answer`)}
	}
	for i := range *page.Tasks {
		if err := (*page.Tasks)[i].check(); err != nil {
			return nil, &DecodeError{Op: op, StatusCode: http.StatusOK, Err: err}
		}
	}
	return *page.Tasks, nil
}

// ListAllTasks returns every task that matches opts, following the after
// cursor with pages of MaxPageSize until a short page.
func (c *Client) ListAllTasks(ctx context.Context, opts TaskListOptions) ([]Task, error) {
	var all []Task
	seen := map[string]bool{}
	page := opts
	page.Limit = MaxPageSize
	for {
		tasks, err := c.ListTasks(ctx, page)
		if err != nil {
			return nil, err
		}
		added := 0
		for _, t := range tasks {
			if !seen[t.ID] {
				seen[t.ID] = true
				all = append(all, t)
				added++
			}
		}
		if len(tasks) < page.Limit {
			return all, nil
		}
		if added == 0 {
			return nil, fmt.Errorf("list tasks: the server returned the same page twice after %q; it may not support the after cursor", page.After)
		}
		page.After = tasks[len(tasks)-1].ID
	}
}

// GetTask returns one task. A missing task is an *APIError for which
// IsNotFound is true.
func (c *Client) GetTask(ctx context.Context, id string) (*Task, error) {
	if err := checkTaskID("read task", id); err != nil {
		return nil, err
	}
	op := "read task " + id
	var t Task
	if err := c.do(ctx, &request{op: op, method: http.MethodGet, path: taskPath(id)}, &t); err != nil {
		return nil, err
	}
	if err := t.check(); err != nil {
		return nil, &DecodeError{Op: op, StatusCode: http.StatusOK, Err: err}
	}
	return &t, nil
}

type taskCreateBody struct {
	OrgID            string         `json:"orgID,omitempty"`
	Name             string         `json:"name"`
	Description      string         `json:"description"`
	ScriptID         string         `json:"scriptID"`
	ScriptParameters map[string]any `json:"scriptParameters"`
	Every            string         `json:"every,omitempty"`
	Cron             string         `json:"cron,omitempty"`
	Offset           string         `json:"offset,omitempty"`
	Status           string         `json:"status,omitempty"`
}

// CreateTask makes a task that runs a script. Like Create it never sends the
// POST twice blindly: after an ambiguous failure it lists the organization's
// tasks of that name and script, adopts one identical to the request (task
// names need not be unique, so anything else is not ours), and otherwise
// sends the POST again, within one budget of max_retries + 1 attempts.
func (c *Client) CreateTask(ctx context.Context, in TaskCreate) (*Task, error) {
	if in.ScriptID == "" {
		return nil, errors.New("create task: empty script id")
	}
	params := in.ScriptParameters
	if params == nil {
		params = map[string]any{}
	}
	body := taskCreateBody{OrgID: in.OrgID, Name: in.Name, Description: in.Description, ScriptID: in.ScriptID,
		ScriptParameters: params, Every: in.Every, Cron: in.Cron, Offset: in.Offset, Status: in.Status}
	op := fmt.Sprintf("create task %q", in.Name)
	var out Task
	err := c.create(ctx, createOp{
		op: op, name: in.Name,
		post: func(ctx context.Context, b *budget) error {
			var t Task
			if err := c.do(ctx, &request{op: op, method: http.MethodPost, path: tasksPath, body: body, policy: retryNotActed, budget: b}, &t); err != nil {
				return err
			}
			if err := t.check(); err != nil {
				return &DecodeError{Op: op, StatusCode: http.StatusCreated, Err: err}
			}
			out = t
			return nil
		},
		lookup: func(ctx context.Context) (lookupResult, error) {
			found, err := c.ListAllTasks(ctx, TaskListOptions{OrgID: in.OrgID, ScriptID: in.ScriptID, Name: in.Name})
			if err != nil {
				return lookupNone, err
			}
			for _, t := range found {
				if sameTask(&t, in) {
					c.debug(ctx, "adopting the task the failed create made", map[string]any{"id": t.ID})
					out = t
					return lookupAdopted, nil
				}
			}
			return lookupNone, nil
		},
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// sameTask reports whether t is what in asks for, parameters compared as
// JSON values and durations by length.
func sameTask(t *Task, in TaskCreate) bool {
	status := in.Status
	if status == "" {
		status = "active"
	}
	if t.Name != in.Name || t.Description != in.Description || t.ScriptID != in.ScriptID || !SameDuration(t.Every, in.Every) ||
		t.Cron != in.Cron || !SameDuration(t.Offset, in.Offset) || t.Status != status {
		return false
	}
	got, err := t.Parameters()
	if err != nil {
		return false
	}
	want, err := normalizeJSON(in.ScriptParameters)
	if err != nil {
		return false
	}
	have, err := normalizeJSON(got)
	return err == nil && reflect.DeepEqual(have, want)
}

// normalizeJSON round-trips v through JSON with numbers as float64, so that
// 5 and json.Number("5.0") compare equal.
func normalizeJSON(v map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(maps.Clone(v))
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

type taskUpdateBody struct {
	Name             *string         `json:"name,omitempty"`
	Description      *string         `json:"description,omitempty"`
	ScriptID         *string         `json:"scriptID,omitempty"`
	ScriptParameters *map[string]any `json:"scriptParameters,omitempty"`
	Every            *string         `json:"every,omitempty"`
	Cron             *string         `json:"cron,omitempty"`
	Offset           *string         `json:"offset,omitempty"`
	Status           *string         `json:"status,omitempty"`
}

// UpdateTask changes the given fields with one PATCH and returns the task as
// the server now has it.
func (c *Client) UpdateTask(ctx context.Context, id string, in TaskUpdate) (*Task, error) {
	if err := checkTaskID("update task", id); err != nil {
		return nil, err
	}
	if in.ScriptParameters != nil && *in.ScriptParameters == nil {
		empty := map[string]any{}
		in.ScriptParameters = &empty
	}
	op := "update task " + id
	var t Task
	if err := c.do(ctx, &request{op: op, method: http.MethodPatch, path: taskPath(id), body: taskUpdateBody(in)}, &t); err != nil {
		return nil, err
	}
	if err := t.check(); err != nil {
		return nil, &DecodeError{Op: op, StatusCode: http.StatusOK, Err: err}
	}
	return &t, nil
}

// DeleteTask removes a task with one DELETE. Unlike scripts, the tasks API
// answers 404 for a task it does not have, so its 204 is the confirmation;
// a task that was already gone is not an error.
func (c *Client) DeleteTask(ctx context.Context, id string) error {
	if err := checkTaskID("delete task", id); err != nil {
		return err
	}
	err := c.do(ctx, &request{op: "delete task " + id, method: http.MethodDelete, path: taskPath(id)}, nil)
	if err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}
