package emulator

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const (
	defaultListLimit = 100
	maxListLimit     = 500
)

// generation holds what differs between /scripts and /functions.
type generation struct {
	noun      string   // "script" or "function", used in 404 messages
	listKey   string   // "scripts" or "functions"
	languages []string // accepted values of language on create
}

var (
	scriptsGen   = generation{noun: "script", listKey: "scripts", languages: []string{"flux", "sql", "influxql"}}
	functionsGen = generation{noun: "function", listKey: "functions", languages: []string{"python", "flux"}}
)

// scriptJSON is the wire form of Script and Function (same fields). url is
// left out: no documented response of the live API carries it.
type scriptJSON struct {
	ID          string `json:"id"`
	OrgID       string `json:"orgID"`
	Name        string `json:"name"`
	Script      string `json:"script"`
	Description string `json:"description"`
	Language    string `json:"language"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
}

func toJSON(rec record) scriptJSON {
	return scriptJSON{ID: rec.ID, OrgID: rec.OrgID, Name: rec.Name, Script: rec.Script,
		Description: rec.Description, Language: rec.Language,
		CreatedAt: formatTime(rec.CreatedAt), UpdatedAt: formatTime(rec.UpdatedAt)}
}

func (g generation) notFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, codeNotFound, g.noun+` "`+id+`" not found`)
}

func writeStoreFailure(w http.ResponseWriter) {
	// The message stays generic: the cause names a local path.
	writeError(w, http.StatusInternalServerError, codeInternal, "failed to persist the change; nothing was stored")
}

// ---- list ----------------------------------------------------------------

// pageParams reads limit and offset. A value that does not parse as an
// unsigned integer is what the Cloud gRPC gateway rejects, with its numeric
// code 3 on /scripts (grpcShape) and, on /functions, whose contract requires a
// string code, with code "invalid". limit=0 or no limit means 100. A limit
// above maxLimit is 400; maxLimit 0 means no maximum (the functions contract
// sets none).
func pageParams(w http.ResponseWriter, r *http.Request, grpcShape bool, maxLimit uint64) (offset, limit int, ok bool) {
	q := r.URL.Query()
	parse := func(field string) (uint64, bool) {
		if !q.Has(field) {
			return 0, true
		}
		v, err := strconv.ParseUint(q.Get(field), 10, 64)
		if err != nil {
			msg := fmt.Sprintf("parsing field %q: %v", field, err)
			if grpcShape {
				writeJSON(w, http.StatusBadRequest, grpcError{Code: 3, Message: msg, Details: []any{}})
			} else {
				writeError(w, http.StatusBadRequest, codeInvalid, msg)
			}
			return 0, false
		}
		return v, true
	}
	lim, ok := parse("limit")
	if !ok {
		return 0, 0, false
	}
	off, ok := parse("offset")
	if !ok {
		return 0, 0, false
	}
	if maxLimit > 0 && lim > maxLimit {
		writeError(w, http.StatusBadRequest, codeInvalid, fmt.Sprintf("limit must be between 0 and %d, got %d", maxLimit, lim))
		return 0, 0, false
	}
	limit = int(min(lim, math.MaxInt32))
	if limit == 0 {
		limit = defaultListLimit
	}
	return int(min(off, math.MaxInt32)), limit, true
}

func (s *Server) handleListScripts(w http.ResponseWriter, r *http.Request, org *Org, _ string) {
	offset, limit, ok := pageParams(w, r, true, maxListLimit)
	if !ok {
		return
	}
	recs := s.store.list(org.ID, r.URL.Query().Get("name"), offset, limit)
	if len(recs) == limit {
		s.betweenPages(org)
	}
	s.writeList(w, scriptsGen, recs)
}

func (s *Server) handleListFunctions(w http.ResponseWriter, r *http.Request, org *Org, _ string) {
	// org and orgID are both optional; when given they must name the token's
	// own org. The Cloud reference documents two answers, used as it
	// describes them: 404 for an organization that does not exist
	// (ResourceNotFoundError), 400 for one that does not own the token
	// (BadRequestError).
	q := r.URL.Query()
	for _, f := range []struct {
		param, want string
		exists      func(string) bool
		notFound    string
	}{
		{"orgID", org.ID, s.orgIDExists, "organization not found"},
		{"org", org.Name, s.orgNameExists, fmt.Sprintf("organization name %q not found", q.Get("org"))},
	} {
		switch v := q.Get(f.param); {
		case !q.Has(f.param) || v == f.want:
		case !f.exists(v):
			writeError(w, http.StatusNotFound, codeNotFound, f.notFound)
			return
		default:
			writeError(w, http.StatusBadRequest, codeInvalid, orgNotOwned)
			return
		}
	}
	offset, limit, ok := pageParams(w, r, false, 0)
	if !ok {
		return
	}
	// The functions contract has no name parameter: like any query
	// parameter a server does not know, ?name= is ignored, not a filter.
	recs := s.store.list(org.ID, "", offset, limit)
	if len(recs) == limit {
		s.betweenPages(org)
	}
	s.writeList(w, functionsGen, recs)
}

func (s *Server) writeList(w http.ResponseWriter, g generation, recs []record) {
	items := make([]scriptJSON, 0, len(recs))
	for _, rec := range recs {
		items = append(items, toJSON(rec))
	}
	writeJSON(w, http.StatusOK, map[string][]scriptJSON{g.listKey: items})
}

// ---- create --------------------------------------------------------------

// orgNotOwned is the contract's 400 message for an org or orgID that does
// not own the token (BadRequestError in ref-cloud.yml, and the only 400
// example of POST /scripts).
const orgNotOwned = "failed to decode request body: organization not found"

type createBody struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	OrgID       *string `json:"orgID"`
	Org         *string `json:"org"`
	Script      *string `json:"script"`
	Language    *string `json:"language"`
}

// requireFields checks, in order, that each named field is present and not
// empty, and writes the 400 naming the first that is not.
func requireFields(w http.ResponseWriter, fields []string, values map[string]*string) bool {
	for _, f := range fields {
		v := values[f]
		switch {
		case v == nil:
			writeError(w, http.StatusBadRequest, codeInvalid, fmt.Sprintf("%q is required", f))
			return false
		case *v == "":
			writeError(w, http.StatusBadRequest, codeInvalid, fmt.Sprintf("%q must not be empty", f))
			return false
		}
	}
	return true
}

func decodeCreate(w http.ResponseWriter, r *http.Request) (createBody, bool) {
	var in createBody
	body, ok := readBody(w, r)
	if !ok {
		return in, false
	}
	if body == nil {
		writeError(w, http.StatusBadRequest, codeInvalid, "failed to decode request body: the body is empty")
		return in, false
	}
	if err := decodeObject(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalid, err.Error())
		return in, false
	}
	return in, true
}

func (s *Server) handleCreateScript(w http.ResponseWriter, r *http.Request, org *Org, _ string) {
	in, ok := decodeCreate(w, r)
	if !ok {
		return
	}
	// The org is the token's (research §8 C2). The contract has no orgID in
	// the body, but its only 400 example rejects one that names another
	// organization, so a non-empty orgID or org must name the token's.
	if (in.OrgID != nil && *in.OrgID != "" && *in.OrgID != org.ID) || (in.Org != nil && *in.Org != "" && *in.Org != org.Name) {
		writeError(w, http.StatusBadRequest, codeInvalid, orgNotOwned)
		return
	}
	if !requireFields(w, []string{"name", "script", "language"}, map[string]*string{
		"name": in.Name, "script": in.Script, "language": in.Language}) {
		return
	}
	// description is required to be present, but the contract does not say
	// it must be non-empty (research §8 C9), so "" is accepted.
	if in.Description == nil {
		writeError(w, http.StatusBadRequest, codeInvalid, `"description" is required`)
		return
	}
	s.create(w, org, scriptsGen, *in.Name, *in.Description, *in.Script, *in.Language)
}

func (s *Server) handleCreateFunction(w http.ResponseWriter, r *http.Request, org *Org, _ string) {
	in, ok := decodeCreate(w, r)
	if !ok {
		return
	}
	if !requireFields(w, []string{"name", "orgID", "script", "language"}, map[string]*string{
		"name": in.Name, "orgID": in.OrgID, "script": in.Script, "language": in.Language}) {
		return
	}
	if *in.OrgID != org.ID {
		writeError(w, http.StatusBadRequest, codeInvalid, orgNotOwned)
		return
	}
	description := ""
	if in.Description != nil {
		description = *in.Description
	}
	s.create(w, org, functionsGen, *in.Name, description, *in.Script, *in.Language)
}

func (s *Server) create(w http.ResponseWriter, org *Org, g generation, name, description, script, language string) {
	if !slices.Contains(g.languages, language) {
		writeError(w, http.StatusBadRequest, codeInvalid,
			fmt.Sprintf("unsupported language %q: must be one of %s", language, strings.Join(g.languages, ", ")))
		return
	}
	rec, err := s.store.create(org.ID, name, description, script, language)
	switch {
	case errors.Is(err, errConflict):
		writeError(w, http.StatusUnprocessableEntity, codeConflict, "uniqueness violation")
		return
	case err != nil:
		writeStoreFailure(w)
		return
	}
	if s.takeDrop() {
		dropConnection(w)
		return
	}
	writeJSON(w, http.StatusCreated, toJSON(rec))
}

// ---- get / patch / delete ------------------------------------------------

func (s *Server) handleGetScript(w http.ResponseWriter, r *http.Request, org *Org, id string) {
	s.get(w, org, scriptsGen, id)
}

func (s *Server) handleGetFunction(w http.ResponseWriter, r *http.Request, org *Org, id string) {
	s.get(w, org, functionsGen, id)
}

func (s *Server) get(w http.ResponseWriter, org *Org, g generation, id string) {
	rec, ok := s.store.get(org.ID, id)
	if !ok {
		g.notFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(rec))
}

type patchBody struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Script      *string `json:"script"`
}

func (s *Server) handlePatchScript(w http.ResponseWriter, r *http.Request, org *Org, id string) {
	s.patch(w, r, org, scriptsGen, id, false)
}

func (s *Server) handlePatchFunction(w http.ResponseWriter, r *http.Request, org *Org, id string) {
	s.patch(w, r, org, functionsGen, id, true)
}

// patch applies description and script (and name, for functions). An empty
// script or name counts as "not given", like an absent key: the contract
// promises an empty body never stores an empty script, and create never
// allows an empty name or script. An empty description is a value like any
// other, as on create, so a description can be cleared; clearing one that is
// already empty changes nothing (see store.apply).
func (s *Server) patch(w http.ResponseWriter, r *http.Request, org *Org, g generation, id string, renameAllowed bool) {
	cur, ok := s.store.get(org.ID, id)
	if !ok {
		g.notFound(w, id)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if body == nil { // documented: an empty body changes nothing, still 200
		writeJSON(w, http.StatusOK, toJSON(cur))
		return
	}
	var in patchBody
	if err := decodeObject(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalid, err.Error())
		return
	}
	nonEmpty := func(p *string) *string {
		if p == nil || *p == "" {
			return nil
		}
		return p
	}
	u := update{Description: in.Description, Script: nonEmpty(in.Script)}
	if renameAllowed {
		u.Name = nonEmpty(in.Name)
	}
	rec, found, err := s.store.apply(org.ID, id, u)
	switch {
	case !found: // deleted between the lookup and the update
		g.notFound(w, id)
	case errors.Is(err, errConflict):
		writeError(w, http.StatusUnprocessableEntity, codeConflict, "uniqueness violation")
	case err != nil:
		writeStoreFailure(w)
	default:
		writeJSON(w, http.StatusOK, toJSON(rec))
	}
}

// handleDelete answers 204 whether or not the id exists in the token's org;
// other orgs' scripts are never touched.
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, org *Org, id string) {
	if err := s.store.delete(org.ID, id, s.deleteDelay()); err != nil {
		writeStoreFailure(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- params and invoke ---------------------------------------------------

func (s *Server) handleScriptParams(w http.ResponseWriter, r *http.Request, org *Org, id string) {
	rec, ok := s.store.get(org.ID, id)
	if !ok {
		scriptsGen.notFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]map[string]string{"params": scriptParams(rec.Script, rec.Language)})
}

// invocation is one supplied parameter: its name and its value as CSV text
// and as JSON.
type invocation struct {
	name string
	text string
	json json.RawMessage
}

// decodeInvokeBody reads {"params":{...}}; the body is optional.
func decodeInvokeBody(w http.ResponseWriter, r *http.Request) ([]invocation, bool) {
	body, ok := readBody(w, r)
	if !ok {
		return nil, false
	}
	if body == nil {
		return nil, true
	}
	var in struct {
		Params map[string]json.RawMessage `json:"params"`
	}
	if err := decodeObject(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalid, err.Error())
		return nil, false
	}
	out := make([]invocation, 0, len(in.Params))
	for name, raw := range in.Params {
		out = append(out, invocation{name: name, text: valueText(raw), json: compactJSON(raw)})
	}
	return out, true
}

// valueText is the CSV text of a JSON value: a string's raw content, any other
// value's compact JSON (5, 2.5, true, null, {"a":1}).
func valueText(raw json.RawMessage) string {
	compact := compactJSON(raw)
	var str string
	if len(compact) > 0 && compact[0] == '"' && json.Unmarshal(compact, &str) == nil {
		return str
	}
	return string(compact)
}

func compactJSON(raw json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw // cannot happen: raw came out of a successful Unmarshal
	}
	return buf.Bytes()
}

// checkParams writes the contract's 400 when the script references a params
// key the invocation does not supply.
func checkParams(w http.ResponseWriter, rec record, supplied []invocation) bool {
	have := map[string]bool{}
	for _, p := range supplied {
		have[p.name] = true
	}
	for key := range scriptParams(rec.Script, rec.Language) {
		if !have[key] {
			writeError(w, http.StatusBadRequest, codeInvalid, "invalid parameters provided")
			return false
		}
	}
	return true
}

func (s *Server) handleInvokeScript(w http.ResponseWriter, r *http.Request, org *Org, id string) {
	rec, ok := s.store.get(org.ID, id)
	if !ok {
		scriptsGen.notFound(w, id)
		return
	}
	params, ok := decodeInvokeBody(w, r)
	if !ok || !checkParams(w, rec, params) {
		return
	}
	writeCSV(w, params)
}

func (s *Server) handleInvokeFunctionPost(w http.ResponseWriter, r *http.Request, org *Org, id string) {
	rec, ok := s.store.get(org.ID, id)
	if !ok {
		functionsGen.notFound(w, id)
		return
	}
	params, ok := decodeInvokeBody(w, r)
	if !ok || !checkParams(w, rec, params) {
		return
	}
	writeFunctionResult(w, r, params)
}

// handleInvokeFunctionGet takes the params from the query string (the
// contract's form-exploded "params" object): every query key is a parameter
// whose value is a string.
func (s *Server) handleInvokeFunctionGet(w http.ResponseWriter, r *http.Request, org *Org, id string) {
	rec, ok := s.store.get(org.ID, id)
	if !ok {
		functionsGen.notFound(w, id)
		return
	}
	var params []invocation
	for name, values := range r.URL.Query() {
		raw, _ := json.Marshal(values[0])
		params = append(params, invocation{name: name, text: values[0], json: raw})
	}
	if !checkParams(w, rec, params) {
		return
	}
	writeFunctionResult(w, r, params)
}

// writeFunctionResult answers the contract's application/json object unless
// the client prefers CSV, as the functions-era docs had it ask
// (Accept: application/csv).
func writeFunctionResult(w http.ResponseWriter, r *http.Request, params []invocation) {
	if prefersCSV(r.Header.Values("Accept")) {
		writeCSV(w, params)
		return
	}
	sortInvocations(params)
	type row struct {
		Param string          `json:"param"`
		Value json.RawMessage `json:"value"`
	}
	rows := make([]row, 0, len(params))
	for _, p := range params {
		rows = append(rows, row{Param: p.name, Value: p.json})
	}
	writeJSON(w, http.StatusOK, map[string][]row{"result": rows})
}

func sortInvocations(params []invocation) {
	slices.SortFunc(params, func(a, b invocation) int { return strings.Compare(a.name, b.name) })
}

// writeCSV answers the stand-in result of a run: Flux-style CSV without
// annotation rows, CRLF line ends, one row per parameter sorted by name.
func writeCSV(w http.ResponseWriter, params []invocation) {
	sortInvocations(params)
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	_ = cw.Write([]string{"", "result", "table", "param", "value"})
	for _, p := range params {
		_ = cw.Write([]string{"", "_result", "0", p.name, p.text})
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
