package emulator

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// taskRecord is one stored task: a Flux task (Flux set) or a task that runs
// an invocable script (ScriptID set), never both.
type taskRecord struct {
	ID               string                     `json:"id"`
	OrgID            string                     `json:"orgID"`
	OwnerID          string                     `json:"ownerID"`
	Name             string                     `json:"name"`
	Description      string                     `json:"description"`
	Status           string                     `json:"status"`
	Every            string                     `json:"every,omitempty"`
	Cron             string                     `json:"cron,omitempty"`
	Offset           string                     `json:"offset,omitempty"`
	Flux             string                     `json:"flux,omitempty"`
	ScriptID         string                     `json:"scriptID,omitempty"`
	ScriptParameters map[string]json.RawMessage `json:"scriptParameters,omitempty"`
	CreatedAt        time.Time                  `json:"createdAt"`
	UpdatedAt        time.Time                  `json:"updatedAt"`
	LatestCompleted  time.Time                  `json:"latestCompleted,omitzero"`
	LastRunStatus    string                     `json:"lastRunStatus,omitempty"`
	LastRunError     string                     `json:"lastRunError,omitempty"`
}

func (t *taskRecord) clone() taskRecord {
	c := *t
	if t.ScriptParameters != nil {
		c.ScriptParameters = make(map[string]json.RawMessage, len(t.ScriptParameters))
		for k, v := range t.ScriptParameters {
			c.ScriptParameters[k] = v
		}
	}
	return c
}

// ownerOf is the user every task of an org is owned by: the emulator has no
// users, so one stable ID per org stands in for the token's user.
func ownerOf(orgID string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte("owner:" + orgID))
	return fmt.Sprintf("%016x", h.Sum64())
}

// ---- store ---------------------------------------------------------------

// idTaken reports whether id names a script or a task; one ID space for
// both keeps IDs unique across the emulator.
func (st *store) idTaken(id string) bool { return st.byID[id] != nil || st.tasks[id] != nil }

func (st *store) createTask(t taskRecord) (taskRecord, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	id, err := newID(st.idTaken)
	if err != nil {
		return taskRecord{}, err
	}
	now := st.stamp()
	t.ID, t.CreatedAt, t.UpdatedAt = id, now, now
	rec := t.clone()
	st.tasks[id] = &rec
	if err := st.saveLocked(); err != nil {
		delete(st.tasks, id)
		return taskRecord{}, err
	}
	return rec.clone(), nil
}

func (st *store) getTask(orgID, id string) (taskRecord, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	t := st.tasks[id]
	if t == nil || (orgID != "" && t.OrgID != orgID) {
		return taskRecord{}, false
	}
	return t.clone(), true
}

// taskFilter is what GET /tasks narrows by.
type taskFilter struct {
	name, scriptID, status, user, after string
}

// listTasks returns the org's tasks in ID order, as InfluxDB keeps them, so
// that "after" (an ID) is a stable cursor.
func (st *store) listTasks(orgID string, f taskFilter) []taskRecord {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []taskRecord
	for _, t := range st.tasks {
		switch {
		case t.OrgID != orgID,
			f.name != "" && t.Name != f.name,
			f.scriptID != "" && t.ScriptID != f.scriptID,
			f.status != "" && t.Status != f.status,
			f.user != "" && t.OwnerID != f.user,
			f.after != "" && t.ID <= f.after:
			continue
		}
		out = append(out, t.clone())
	}
	slices.SortFunc(out, func(a, b taskRecord) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// changeTask applies fn to the org's task under the lock and saves; fn
// returns an error to refuse the change. It moves updatedAt strictly forward.
func (st *store) changeTask(orgID, id string, touch bool, fn func(*taskRecord) error) (taskRecord, bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	cur := st.tasks[id]
	if cur == nil || (orgID != "" && cur.OrgID != orgID) {
		return taskRecord{}, false, nil
	}
	old := cur.clone()
	next := cur.clone()
	if err := fn(&next); err != nil {
		return taskRecord{}, true, err
	}
	if touch {
		next.UpdatedAt = st.stamp()
		if !next.UpdatedAt.After(old.UpdatedAt) {
			next.UpdatedAt = old.UpdatedAt.Add(time.Microsecond)
		}
	}
	*cur = next
	if err := st.saveLocked(); err != nil {
		*cur = old
		return taskRecord{}, true, fmt.Errorf("%w: %w", errStore, err)
	}
	return cur.clone(), true, nil
}

func (st *store) deleteTask(orgID, id string) (found bool, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	t := st.tasks[id]
	if t == nil || t.OrgID != orgID {
		return false, nil
	}
	delete(st.tasks, id)
	if err := st.saveLocked(); err != nil {
		st.tasks[id] = t
		return true, err
	}
	return true, nil
}

// ---- wire ----------------------------------------------------------------

// taskJSON is the wire form of Task.
type taskJSON struct {
	ID               string                     `json:"id"`
	OrgID            string                     `json:"orgID"`
	Org              string                     `json:"org"`
	OwnerID          string                     `json:"ownerID"`
	Name             string                     `json:"name"`
	Description      string                     `json:"description"`
	Status           string                     `json:"status"`
	Every            string                     `json:"every,omitempty"`
	Cron             string                     `json:"cron,omitempty"`
	Offset           string                     `json:"offset,omitempty"`
	Flux             string                     `json:"flux,omitempty"`
	ScriptID         string                     `json:"scriptID,omitempty"`
	ScriptParameters map[string]json.RawMessage `json:"scriptParameters,omitempty"`
	Labels           []any                      `json:"labels"`
	CreatedAt        string                     `json:"createdAt"`
	UpdatedAt        string                     `json:"updatedAt"`
	LatestCompleted  string                     `json:"latestCompleted,omitempty"`
	LastRunStatus    string                     `json:"lastRunStatus,omitempty"`
	LastRunError     string                     `json:"lastRunError,omitempty"`
	Links            map[string]string          `json:"links"`
}

func (s *Server) taskToJSON(t taskRecord) taskJSON {
	out := taskJSON{
		ID: t.ID, OrgID: t.OrgID, Org: s.orgName(t.OrgID), OwnerID: t.OwnerID, Name: t.Name,
		Description: t.Description, Status: t.Status, Every: t.Every, Cron: t.Cron, Offset: t.Offset,
		Flux: t.Flux, ScriptID: t.ScriptID, ScriptParameters: t.ScriptParameters, Labels: []any{},
		CreatedAt: formatTime(t.CreatedAt), UpdatedAt: formatTime(t.UpdatedAt),
		LastRunStatus: t.LastRunStatus, LastRunError: t.LastRunError,
	}
	if !t.LatestCompleted.IsZero() {
		out.LatestCompleted = formatTime(t.LatestCompleted)
	}
	self := "/api/v2/tasks/" + t.ID
	out.Links = map[string]string{"self": self, "labels": self + "/labels", "logs": self + "/logs",
		"members": self + "/members", "owners": self + "/owners", "runs": self + "/runs"}
	return out
}

func (s *Server) orgName(orgID string) string {
	for _, o := range s.orgs {
		if o.ID == orgID {
			return o.Name
		}
	}
	return ""
}

func taskNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, codeNotFound, "task not found")
}

// ---- validation ----------------------------------------------------------

// fluxDuration is a Flux duration literal: one or more integer+unit pairs
// (1h30m, 5m, 1d, 1w, 1mo).
var fluxDuration = regexp.MustCompile(`^(?:[0-9]+(?:y|mo|w|d|h|m|s|ms|us|µs|ns))+$`)

// cronField is what one field of a cron expression may hold.
var cronField = regexp.MustCompile(`^[0-9A-Za-z*?,/#LW-]+$`)

func checkDuration(field, v string) error {
	if !fluxDuration.MatchString(v) {
		return fmt.Errorf("%s %q is not a duration literal such as 1h or 30m", field, v)
	}
	return nil
}

func checkCron(v string) error {
	if strings.HasPrefix(v, "@") {
		switch v {
		case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
			return nil
		}
		if d, ok := strings.CutPrefix(v, "@every "); ok && fluxDuration.MatchString(d) {
			return nil
		}
		return fmt.Errorf("cron %q is not a valid cron expression", v)
	}
	fields := strings.Fields(v)
	if len(fields) < 5 || len(fields) > 6 {
		return fmt.Errorf("cron %q is not a valid cron expression: it has %d fields, want 5 or 6", v, len(fields))
	}
	for _, f := range fields {
		if !cronField.MatchString(f) {
			return fmt.Errorf("cron %q is not a valid cron expression: bad field %q", v, f)
		}
	}
	return nil
}

// normOffset stores "0" (the contract's way to remove the offset) as no offset.
func normOffset(v string) string {
	if v == "0" {
		return ""
	}
	return v
}

// checkSchedule is what every stored task satisfies: exactly one of every
// and cron, each well-formed, and a well-formed offset.
func checkSchedule(t *taskRecord) error {
	switch {
	case t.Every != "" && t.Cron != "":
		return errors.New("can not provide both every and cron")
	case t.Every == "" && t.Cron == "":
		return errors.New("every or cron required")
	case t.Every != "":
		if err := checkDuration("every", t.Every); err != nil {
			return err
		}
	default:
		if err := checkCron(t.Cron); err != nil {
			return err
		}
	}
	if t.Offset != "" {
		return checkDuration("offset", t.Offset)
	}
	return nil
}

func checkStatus(v string) error {
	if v != "active" && v != "inactive" {
		return fmt.Errorf("status %q must be active or inactive", v)
	}
	return nil
}

var (
	fluxOptionName  = regexp.MustCompile(`name\s*:\s*"([^"]*)"`)
	fluxOptionEvery = regexp.MustCompile(`every\s*:\s*([0-9a-zµ]+)`)
	fluxOptionCron  = regexp.MustCompile(`cron\s*:\s*"([^"]*)"`)
	fluxOptionOff   = regexp.MustCompile(`offset\s*:\s*([0-9a-zµ]+)`)
	fluxOptionTask  = regexp.MustCompile(`option\s+task\s*=\s*\{([^}]*)\}`)
)

// fluxOptions reads name, every, cron and offset from a Flux task's
// "option task = {...}" line (the emulator cannot parse Flux; a regular
// expression over that one record is enough for tests).
func fluxOptions(flux string) (t taskRecord, ok bool) {
	m := fluxOptionTask.FindStringSubmatch(flux)
	if m == nil {
		return t, false
	}
	get := func(re *regexp.Regexp) string {
		if sm := re.FindStringSubmatch(m[1]); sm != nil {
			return sm[1]
		}
		return ""
	}
	t.Name, t.Every, t.Cron, t.Offset = get(fluxOptionName), get(fluxOptionEvery), get(fluxOptionCron), get(fluxOptionOff)
	return t, true
}

// ---- handlers ------------------------------------------------------------

// taskBody is TaskCreateRequest and TaskUpdateRequest: pointers tell an
// absent key from an empty value.
type taskBody struct {
	Name             *string                    `json:"name"`
	Description      *string                    `json:"description"`
	Status           *string                    `json:"status"`
	Every            *string                    `json:"every"`
	Cron             *string                    `json:"cron"`
	Offset           *string                    `json:"offset"`
	Flux             *string                    `json:"flux"`
	ScriptID         *string                    `json:"scriptID"`
	ScriptParameters map[string]json.RawMessage `json:"scriptParameters"`
	OrgID            *string                    `json:"orgID"`
	Org              *string                    `json:"org"`
}

func decodeTaskBody(w http.ResponseWriter, r *http.Request, emptyOK bool) (taskBody, bool) {
	var in taskBody
	body, ok := readBody(w, r)
	if !ok {
		return in, false
	}
	if body == nil {
		if !emptyOK {
			writeError(w, http.StatusBadRequest, codeInvalid, "failed to decode request: the body is empty")
		}
		return in, emptyOK
	}
	if err := decodeObject(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalid, err.Error())
		return in, false
	}
	return in, true
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// orgMismatch reports a body or query that names an org other than the
// token's.
func orgMismatch(org *Org, orgID, orgName *string) bool {
	return (orgID != nil && *orgID != "" && *orgID != org.ID) || (orgName != nil && *orgName != "" && *orgName != org.Name)
}

func (s *Server) handleCreateTask(w http.ResponseWriter, r *http.Request, org *Org, _ string) {
	in, ok := decodeTaskBody(w, r, false)
	if !ok {
		return
	}
	bad := func(msg string) { writeError(w, http.StatusBadRequest, codeInvalid, "failed to decode request: "+msg) }
	if orgMismatch(org, in.OrgID, in.Org) {
		bad("organization not found")
		return
	}
	flux, scriptID := str(in.Flux), str(in.ScriptID)
	t := taskRecord{OrgID: org.ID, OwnerID: ownerOf(org.ID), Status: "active"}
	switch {
	case flux != "" && scriptID != "":
		bad("can not provide both scriptID and flux")
		return
	case flux == "" && scriptID == "":
		bad("flux required")
		return
	case in.ScriptParameters != nil && scriptID == "":
		bad("scriptParameters requires scriptID")
		return
	case flux != "":
		opts, found := fluxOptions(flux)
		if !found || opts.Name == "" {
			bad(`the Flux script has no "option task" record with a name`)
			return
		}
		t.Flux, t.Name, t.Every, t.Cron, t.Offset = flux, opts.Name, opts.Every, opts.Cron, normOffset(opts.Offset)
	default:
		if _, found := s.store.get(org.ID, scriptID); !found {
			bad(fmt.Sprintf("script %q not found", scriptID))
			return
		}
		if str(in.Name) == "" {
			bad("name required")
			return
		}
		t.ScriptID, t.ScriptParameters = scriptID, in.ScriptParameters
		t.Name, t.Every, t.Cron, t.Offset = *in.Name, str(in.Every), str(in.Cron), normOffset(str(in.Offset))
	}
	t.Description = str(in.Description)
	if in.Status != nil {
		if err := checkStatus(*in.Status); err != nil {
			bad(err.Error())
			return
		}
		t.Status = *in.Status
	}
	if err := checkSchedule(&t); err != nil {
		bad(err.Error())
		return
	}
	rec, err := s.store.createTask(t)
	if err != nil {
		writeStoreFailure(w)
		return
	}
	if s.takeDrop() {
		dropConnection(w)
		return
	}
	writeJSON(w, http.StatusCreated, s.taskToJSON(rec))
}

func (s *Server) handleGetTask(w http.ResponseWriter, _ *http.Request, org *Org, id string) {
	t, ok := s.store.getTask(org.ID, id)
	if !ok {
		taskNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.taskToJSON(t))
}

// handleListTasks serves GET /tasks: filters name, scriptID, status, user and
// org/orgID (which must name the token's org), the "after" ID cursor, offset,
// and limit 1..500 (default 100; -1 means all).
func (s *Server) handleListTasks(w http.ResponseWriter, r *http.Request, org *Org, _ string) {
	q := r.URL.Query()
	bad := func(msg string) { writeError(w, http.StatusBadRequest, codeInvalid, msg) }
	orgID, orgName := q.Get("orgID"), q.Get("org")
	if orgMismatch(org, &orgID, &orgName) {
		bad("organization not found")
		return
	}
	limit := defaultListLimit
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		switch {
		case err != nil:
			bad(fmt.Sprintf("parsing field \"limit\": %v", err))
			return
		case n == -1:
			limit = 0 // all
		case n < 1 || n > maxListLimit:
			bad(fmt.Sprintf("limit must be between 1 and %d, or -1 for all, got %d", maxListLimit, n))
			return
		default:
			limit = n
		}
	}
	offset := 0
	if q.Has("offset") {
		n, err := strconv.Atoi(q.Get("offset"))
		if err != nil || n < 0 {
			bad(fmt.Sprintf("offset must be a non-negative integer, got %q", q.Get("offset")))
			return
		}
		offset = n
	}
	status := q.Get("status")
	if status != "" {
		if err := checkStatus(status); err != nil {
			bad(err.Error())
			return
		}
	}
	all := s.store.listTasks(org.ID, taskFilter{name: q.Get("name"), scriptID: q.Get("scriptID"),
		status: status, user: q.Get("user"), after: q.Get("after")})
	page := all[min(offset, len(all)):]
	full := limit > 0 && len(page) > limit
	if limit > 0 && len(page) > limit {
		page = page[:limit]
	}
	items := make([]taskJSON, 0, len(page))
	for _, t := range page {
		items = append(items, s.taskToJSON(t))
	}
	links := map[string]string{"self": "/api/v2/tasks?" + q.Encode()}
	if full {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("after", page[len(page)-1].ID)
		next.Del("offset")
		links["next"] = "/api/v2/tasks?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, map[string]any{"links": links, "tasks": items})
}

// handlePatchTask applies TaskUpdateRequest. Every given key changes its
// field; an empty every, cron or offset removes it (offset "0" too), and a
// non-empty every removes cron and the other way round, so one PATCH
// switches the schedule. flux and scriptID exclude each other as on create.
// scriptParameters replaces the whole object.
func (s *Server) handlePatchTask(w http.ResponseWriter, r *http.Request, org *Org, id string) {
	if _, ok := s.store.getTask(org.ID, id); !ok {
		taskNotFound(w)
		return
	}
	in, ok := decodeTaskBody(w, r, true)
	if !ok {
		return
	}
	if str(in.Flux) != "" && str(in.ScriptID) != "" {
		writeError(w, http.StatusBadRequest, codeInvalid, "failed to decode request: can not provide both scriptID and flux")
		return
	}
	if in.ScriptID != nil && *in.ScriptID != "" {
		if _, found := s.store.get(org.ID, *in.ScriptID); !found {
			writeError(w, http.StatusBadRequest, codeInvalid, fmt.Sprintf("failed to decode request: script %q not found", *in.ScriptID))
			return
		}
	}
	changes := in.Name != nil || in.Description != nil || in.Status != nil || in.Every != nil || in.Cron != nil ||
		in.Offset != nil || in.Flux != nil || in.ScriptID != nil || in.ScriptParameters != nil
	rec, found, err := s.store.changeTask(org.ID, id, changes, func(t *taskRecord) error {
		if in.Name != nil && *in.Name != "" {
			t.Name = *in.Name
		}
		if in.Description != nil {
			t.Description = *in.Description
		}
		if in.Status != nil {
			if err := checkStatus(*in.Status); err != nil {
				return err
			}
			t.Status = *in.Status
		}
		if in.Every != nil {
			t.Every = *in.Every
			if t.Every != "" {
				t.Cron = ""
			}
		}
		if in.Cron != nil {
			t.Cron = *in.Cron
			if t.Cron != "" && str(in.Every) == "" {
				t.Every = ""
			}
		}
		if in.Offset != nil {
			t.Offset = normOffset(*in.Offset)
		}
		if str(in.ScriptID) != "" {
			t.ScriptID, t.Flux = *in.ScriptID, ""
		}
		if str(in.Flux) != "" {
			if t.ScriptID != "" {
				return errors.New("can not provide both scriptID and flux")
			}
			t.Flux = *in.Flux
		}
		if in.ScriptParameters != nil {
			if t.ScriptID == "" {
				return errors.New("scriptParameters requires scriptID")
			}
			t.ScriptParameters = in.ScriptParameters
		}
		return checkSchedule(t)
	})
	switch {
	case !found:
		taskNotFound(w)
	case err != nil && errors.Is(err, errStore):
		writeStoreFailure(w)
	case err != nil:
		writeError(w, http.StatusBadRequest, codeInvalid, "failed to decode request: "+err.Error())
	default:
		writeJSON(w, http.StatusOK, s.taskToJSON(rec))
	}
}

// handleDeleteTask answers 204, or 404 for a task the org does not have (the
// tasks contract documents that 404, unlike the scripts contract).
func (s *Server) handleDeleteTask(w http.ResponseWriter, _ *http.Request, org *Org, id string) {
	found, err := s.store.deleteTask(org.ID, id)
	switch {
	case err != nil:
		writeStoreFailure(w)
	case !found:
		taskNotFound(w)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// ---- runs ----------------------------------------------------------------

// RunTask runs a task once, as its schedule would: it succeeds when the task
// runs a script that exists and is given every parameter the script reads,
// and otherwise fails with an error naming what is missing. It records
// latestCompleted, lastRunStatus and lastRunError. An inactive task does not
// run (the contract: inactive prevents manual runs).
func (s *Server) RunTask(id string) error {
	t, ok := s.store.getTask("", id)
	if !ok {
		return errTaskNotFound
	}
	if t.Status != "active" {
		return errTaskInactive
	}
	status, runErr := "success", ""
	if t.ScriptID != "" {
		script, found := s.store.get(t.OrgID, t.ScriptID)
		if !found {
			status, runErr = "failed", fmt.Sprintf("script %q not found", t.ScriptID)
		} else {
			var missing []string
			for key := range scriptParams(script.Script, script.Language) {
				if _, given := t.ScriptParameters[key]; !given {
					missing = append(missing, key)
				}
			}
			if len(missing) > 0 {
				slices.Sort(missing)
				status, runErr = "failed", "invalid parameters provided: missing "+strings.Join(missing, ", ")
			}
		}
	}
	_, found, err := s.store.changeTask("", id, false, func(t *taskRecord) error {
		t.LatestCompleted = s.store.stamp()
		t.LastRunStatus, t.LastRunError = status, runErr
		return nil
	})
	if !found {
		return errTaskNotFound
	}
	return err
}

// Errors of RunTask.
var (
	errTaskNotFound = errors.New("task not found")
	errTaskInactive = errors.New("task is inactive")
	errStore        = errors.New("saving the data file")
)

// serveTaskRun serves POST /_emulator/tasks/{id}/run.
func (s *Server) serveTaskRun(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, http.MethodPost)
		return
	}
	err := s.RunTask(id)
	rec, _ := s.store.getTask("", id)
	switch {
	case errors.Is(err, errTaskNotFound):
		taskNotFound(w)
	case errors.Is(err, errTaskInactive):
		writeError(w, http.StatusConflict, codeConflict, "task is inactive: inactive tasks do not run")
	case err != nil:
		writeStoreFailure(w)
	default:
		writeJSON(w, http.StatusOK, s.taskToJSON(rec))
	}
}

// TaskCount is the number of tasks stored for orgID.
func (s *Server) TaskCount(orgID string) int { return len(s.store.listTasks(orgID, taskFilter{})) }
