package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultOrgID, DefaultOrgName and DefaultToken describe the single
// organisation an emulator serves when Options.Orgs is empty.
const (
	DefaultOrgID   = "0a1b2c3d4e5f6071"
	DefaultOrgName = "emulator"
	DefaultToken   = "emulator-token" //nolint:gosec // a well-known test token, not a credential
)

// MaxBodyBytes is the largest request body the emulator reads; a larger one
// is answered with 413 "request too large".
const MaxBodyBytes = 4 << 20

// Values of Options.APIs.
const (
	APIsScripts   = "scripts"
	APIsFunctions = "functions"
	APIsBoth      = "both"
)

// Org is an organisation and the API tokens that act on its behalf.
type Org struct {
	ID     string
	Name   string
	Tokens []string
}

// Faults are failures injected into /api/v2 traffic. The zero value injects
// nothing.
type Faults struct {
	// Every503 makes every Nth /api/v2 request answer 503 "unavailable"
	// without acting on it (0 = off); it carries a Retry-After header
	// unless OmitRetryAfter.
	Every503 int
	// Every429 makes every Nth /api/v2 request answer 429 "too many
	// requests" with a Retry-After header, without acting on it (0 = off).
	Every429 int
	// RetryAfter is sent in Retry-After as whole seconds, rounded up. The
	// zero value sends "0" (no default), so retry tests need not sleep;
	// OmitRetryAfter sends none on 503s instead.
	RetryAfter time.Duration
	// OmitRetryAfter sends injected 503s without a Retry-After header, as a
	// failing gateway does: the client cannot tell whether the request was
	// acted on, so a create takes its ambiguous-failure path (look the name
	// up, then adopt or send again). Injected 429s still carry Retry-After,
	// of at least 1 second, as a real rate limiter always sends one. The
	// command's -retry-after 0s and retryAfterSeconds 0 on PUT
	// /_emulator/faults set it.
	OmitRetryAfter bool
	// Latency is slept before each /api/v2 request is handled. A request
	// whose context ends during the sleep is abandoned without acting.
	Latency time.Duration
	// DropAfterCreate makes the next N successful creates store the script
	// and then close the connection without writing any response.
	DropAfterCreate int
	// CreateBetweenPages makes the next N list answers that are a full page
	// (as many scripts as the limit asked for, so a client asks for the
	// next) each create one script in the listed org once the page is
	// read, as another client would while the pages are fetched.
	CreateBetweenPages int
	// DeleteBetweenPages is the same with the deletion of the org's newest
	// script, which moves every later script up by one place.
	DeleteBetweenPages int
	// DeleteDelay queues deletions: a deleted script stays readable,
	// listed and holding its name for this long after the DELETE's 204.
	DeleteDelay time.Duration
}

// Options configure a Server. The zero value is a usable single-org server.
type Options struct {
	// Orgs default to one org: DefaultOrgID, DefaultOrgName, DefaultToken.
	Orgs []Org
	// APIs selects the generation served: APIsScripts (default),
	// APIsFunctions or APIsBoth.
	APIs string
	// AdminToken guards /_emulator/*; default: the first token of the first org.
	AdminToken string
	// DataFile, if set, is loaded at start and rewritten atomically after each
	// change, before the change is acknowledged.
	DataFile string
	// Faults start switched on; see SetFaults.
	Faults Faults
	// Logf, if set, receives one line per request: method, path, status and
	// duration. It never receives headers, query strings, tokens or bodies.
	Logf func(format string, args ...any)
	// Now is the clock for createdAt/updatedAt; default time.Now.
	Now func() time.Time
}

// Server is the emulator. It is an http.Handler and safe for concurrent use.
type Server struct {
	orgByToken map[string]*Org
	orgs       []*Org
	adminToken string
	serveScr   bool
	serveFn    bool
	logf       func(format string, args ...any)
	store      *store

	faultMu       sync.Mutex
	faults        Faults
	faultCounter  int // /api/v2 requests seen since the last SetFaults
	dropRemaining int
	createBetween int // what is left of CreateBetweenPages
	deleteBetween int // what is left of DeleteBetweenPages

	statsMu sync.Mutex
	stats   map[string]int
}

// New validates opts and returns a ready Server, loading opts.DataFile if it exists.
func New(opts Options) (*Server, error) {
	s := &Server{
		orgByToken: map[string]*Org{},
		logf:       opts.Logf,
		stats:      map[string]int{},
	}
	switch opts.APIs {
	case "", APIsScripts:
		s.serveScr = true
	case APIsFunctions:
		s.serveFn = true
	case APIsBoth:
		s.serveScr, s.serveFn = true, true
	default:
		return nil, fmt.Errorf("emulator: APIs must be %q, %q or %q, not %q", APIsScripts, APIsFunctions, APIsBoth, opts.APIs)
	}

	orgs := opts.Orgs
	if len(orgs) == 0 {
		orgs = []Org{{ID: DefaultOrgID, Name: DefaultOrgName, Tokens: []string{DefaultToken}}}
	}
	seenID, seenName := map[string]bool{}, map[string]bool{}
	for _, o := range orgs {
		org := &Org{ID: o.ID, Name: o.Name, Tokens: append([]string(nil), o.Tokens...)}
		switch {
		case org.ID == "" || org.Name == "":
			return nil, errors.New("emulator: every org needs an ID and a Name")
		case seenID[org.ID]:
			return nil, fmt.Errorf("emulator: duplicate org ID %q", org.ID)
		case seenName[org.Name]:
			return nil, fmt.Errorf("emulator: duplicate org name %q", org.Name)
		}
		seenID[org.ID], seenName[org.Name] = true, true
		for _, tok := range org.Tokens {
			if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
				return nil, fmt.Errorf("emulator: org %q has an empty token or one containing whitespace", org.Name)
			}
			if _, dup := s.orgByToken[tok]; dup {
				// Never print the token itself: it may be a real secret.
				return nil, fmt.Errorf("emulator: a token of org %q is also used by another org", org.Name)
			}
			s.orgByToken[tok] = org
		}
		s.orgs = append(s.orgs, org)
	}

	s.adminToken = opts.AdminToken
	if s.adminToken == "" {
		if len(s.orgs[0].Tokens) == 0 {
			return nil, errors.New("emulator: no AdminToken and the first org has no token to use instead")
		}
		s.adminToken = s.orgs[0].Tokens[0]
	}

	if err := validateFaults(opts.Faults); err != nil {
		return nil, err
	}
	s.faults = opts.Faults
	s.dropRemaining = opts.Faults.DropAfterCreate
	s.createBetween, s.deleteBetween = opts.Faults.CreateBetweenPages, opts.Faults.DeleteBetweenPages

	now := opts.Now
	if now == nil {
		now = time.Now
	}
	st, err := openStore(opts.DataFile, now)
	if err != nil {
		return nil, err
	}
	s.store = st
	return s, nil
}

func validateFaults(f Faults) error {
	if f.Every503 < 0 || f.Every429 < 0 || f.RetryAfter < 0 || f.Latency < 0 || f.DropAfterCreate < 0 ||
		f.CreateBetweenPages < 0 || f.DeleteBetweenPages < 0 || f.DeleteDelay < 0 {
		return errors.New("emulator: fault settings must not be negative")
	}
	return nil
}

// SetFaults replaces the injected faults and restarts the request counter
// that Every503 and Every429 count, so "every Nth" is measured from this call.
// Negative values are treated as 0.
func (s *Server) SetFaults(f Faults) {
	f.Every503 = max(f.Every503, 0)
	f.Every429 = max(f.Every429, 0)
	f.RetryAfter = max(f.RetryAfter, 0)
	f.Latency = max(f.Latency, 0)
	f.DropAfterCreate = max(f.DropAfterCreate, 0)
	f.CreateBetweenPages = max(f.CreateBetweenPages, 0)
	f.DeleteBetweenPages = max(f.DeleteBetweenPages, 0)
	f.DeleteDelay = max(f.DeleteDelay, 0)
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = f
	s.faultCounter = 0
	s.dropRemaining = f.DropAfterCreate
	s.createBetween, s.deleteBetween = f.CreateBetweenPages, f.DeleteBetweenPages
}

// currentFaults returns the settings with DropAfterCreate showing what is left.
func (s *Server) currentFaults() Faults {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	f := s.faults
	f.DropAfterCreate = s.dropRemaining
	f.CreateBetweenPages, f.DeleteBetweenPages = s.createBetween, s.deleteBetween
	return f
}

// Stats returns a copy of the request counts keyed "METHOD ROUTE".
func (s *Server) Stats() map[string]int {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := make(map[string]int, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

// ResetStats zeroes the request counts.
func (s *Server) ResetStats() {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.stats = map[string]int{}
}

func (s *Server) count(key string) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.stats[key]++
}

// ScriptCount is the number of scripts stored for orgID.
func (s *Server) ScriptCount(orgID string) int { return s.store.count(orgID) }

// ScriptNames lists the names stored for orgID, sorted, duplicates kept (there
// should never be any).
func (s *Server) ScriptNames(orgID string) []string { return s.store.names(orgID) }

// Close writes the store one last time when a DataFile is configured. Every
// change is already saved before it is acknowledged, so nothing is lost if
// Close is never called.
func (s *Server) Close() error { return s.store.flush() }

// ServeHTTP routes a request: /health and /ping need no auth, /_emulator/*
// needs the admin token, /api/v2/* is the emulated API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	defer s.logRequest(sw, r, start)

	path := r.URL.Path
	switch {
	case path == "/health":
		s.serveHealth(sw, r)
	case path == "/ping":
		s.servePing(sw, r)
	case path == "/_emulator" || strings.HasPrefix(path, "/_emulator/"):
		s.serveAdmin(sw, r)
	case path == "/api/v2" || strings.HasPrefix(path, "/api/v2/"):
		s.serveAPI(sw, r)
	default:
		s.count(r.Method + " unknown")
		writeError(sw, http.StatusNotFound, codeNotFound, "path not found")
	}
}

// logRequest reports method, path, status and duration. The query string is
// left out on purpose: clients put tokens and names there.
func (s *Server) logRequest(sw *statusWriter, r *http.Request, start time.Time) {
	if s.logf == nil {
		return
	}
	status := fmt.Sprint(sw.status)
	switch {
	case sw.outcome != "":
		status = sw.outcome
	case sw.status == 0:
		status = "200"
	}
	s.logf("%s %s %s %s", r.Method, r.URL.Path, status, time.Since(start).Round(time.Microsecond))
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, http.MethodGet, http.MethodHead)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"name":    "influxdb",
		"message": "ready for queries and writes",
		"status":  "pass",
		"checks":  []any{},
		"version": "emulator",
		"commit":  "emulator",
	})
}

func (s *Server) servePing(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, http.MethodGet, http.MethodHead)
		return
	}
	// Cloud sends the build but, unlike OSS, no X-Influxdb-Version.
	w.Header().Set("X-Influxdb-Build", "cloud2")
	w.WriteHeader(http.StatusNoContent)
}

// apiHandler serves one API route for an authenticated org; id is the path
// segment in place of {id}, empty for collection routes.
type apiHandler func(w http.ResponseWriter, r *http.Request, org *Org, id string)

// matchAPI maps a method and path to a Stats key and handler. For a path
// that exists with other methods it returns the allowed methods instead.
func (s *Server) matchAPI(method, path string) (key string, h apiHandler, allow []string) {
	rest := strings.TrimPrefix(path, "/api/v2/")
	if rest == path { // exactly "/api/v2"
		return "", nil, nil
	}
	seg := strings.Split(rest, "/")
	for _, p := range seg[1:] {
		if p == "" {
			return "", nil, nil // "//" or a trailing slash: not a route
		}
	}
	type route struct {
		method string
		h      apiHandler
	}
	var pattern string
	var routes []route
	switch {
	case len(seg) == 1 && seg[0] == "orgs":
		pattern, routes = "/api/v2/orgs", []route{{http.MethodGet, s.handleListOrgs}}
	case seg[0] == "scripts" && s.serveScr:
		switch {
		case len(seg) == 1:
			pattern, routes = "/api/v2/scripts", []route{{http.MethodGet, s.handleListScripts}, {http.MethodPost, s.handleCreateScript}}
		case len(seg) == 2:
			pattern, routes = "/api/v2/scripts/{id}", []route{{http.MethodGet, s.handleGetScript}, {http.MethodPatch, s.handlePatchScript}, {http.MethodDelete, s.handleDelete}}
		case len(seg) == 3 && seg[2] == "invoke":
			pattern, routes = "/api/v2/scripts/{id}/invoke", []route{{http.MethodPost, s.handleInvokeScript}}
		case len(seg) == 3 && seg[2] == "params":
			pattern, routes = "/api/v2/scripts/{id}/params", []route{{http.MethodGet, s.handleScriptParams}}
		}
	case seg[0] == "tasks" && s.serveScr: // see doc.go: tasks reference scripts of the current generation
		switch len(seg) {
		case 1:
			pattern, routes = "/api/v2/tasks", []route{{http.MethodGet, s.handleListTasks}, {http.MethodPost, s.handleCreateTask}}
		case 2:
			pattern, routes = "/api/v2/tasks/{id}", []route{{http.MethodGet, s.handleGetTask}, {http.MethodPatch, s.handlePatchTask}, {http.MethodDelete, s.handleDeleteTask}}
		}
	case seg[0] == "functions" && s.serveFn:
		switch {
		case len(seg) == 1:
			pattern, routes = "/api/v2/functions", []route{{http.MethodGet, s.handleListFunctions}, {http.MethodPost, s.handleCreateFunction}}
		case len(seg) == 2:
			pattern, routes = "/api/v2/functions/{id}", []route{{http.MethodGet, s.handleGetFunction}, {http.MethodPatch, s.handlePatchFunction}, {http.MethodDelete, s.handleDelete}}
		case len(seg) == 3 && seg[2] == "invoke":
			pattern, routes = "/api/v2/functions/{id}/invoke", []route{{http.MethodGet, s.handleInvokeFunctionGet}, {http.MethodPost, s.handleInvokeFunctionPost}}
		}
	}
	for _, rt := range routes {
		if rt.method == method {
			return method + " " + pattern, rt.h, nil
		}
		allow = append(allow, rt.method)
	}
	return "", nil, allow
}

func (s *Server) serveAPI(w *statusWriter, r *http.Request) {
	key, handler, allow := s.matchAPI(r.Method, r.URL.Path)
	if handler == nil {
		key = r.Method + " unknown"
	}
	s.count(key)

	// Reading the body up front lets net/http notice a client that hangs up
	// during the latency below (it watches the connection only once the body
	// is consumed), and the handlers then read from memory.
	r.Body = prereadBody(w, r)

	fault, latency, retryAfter := s.nextFault()
	if latency > 0 {
		timer := time.NewTimer(latency)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			w.outcome = "canceled"
			return // the client is gone: act on nothing, answer nothing
		}
	}
	if fault != 0 && retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	switch fault {
	case http.StatusServiceUnavailable:
		writeError(w, fault, codeUnavailable, "service unavailable (fault injected by emulator)")
		return
	case http.StatusTooManyRequests:
		writeError(w, fault, codeTooManyRequests, "too many requests (fault injected by emulator)")
		return
	}

	// Authentication comes before routing, as in InfluxDB: without a valid
	// token even an unknown path answers 401.
	org := s.authenticate(r)
	if org == nil {
		writeError(w, http.StatusUnauthorized, codeUnauthorized, "unauthorized access")
		return
	}
	switch {
	case handler != nil:
		var id string
		if seg := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v2/"), "/"); len(seg) > 1 {
			id = seg[1]
		}
		handler(w, r, org, id)
	case len(allow) > 0:
		methodNotAllowed(w, allow...)
	default:
		writeError(w, http.StatusNotFound, codeNotFound, "path not found")
	}
}

// nextFault counts one /api/v2 request and says which fault, if any, it gets,
// with the Retry-After to send ("" for none). 503 wins when both counters hit
// the same request.
func (s *Server) nextFault() (status int, latency time.Duration, retryAfter string) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faultCounter++
	n, f := s.faultCounter, s.faults
	secs := int64((f.RetryAfter + time.Second - 1) / time.Second)
	switch {
	case f.Every503 > 0 && n%f.Every503 == 0:
		status = http.StatusServiceUnavailable
		if !f.OmitRetryAfter {
			retryAfter = fmt.Sprint(secs)
		}
	case f.Every429 > 0 && n%f.Every429 == 0:
		status = http.StatusTooManyRequests
		if f.OmitRetryAfter {
			secs = max(secs, 1) // a rate limiter always says when to come back
		}
		retryAfter = fmt.Sprint(secs)
	}
	return status, f.Latency, retryAfter
}

// takeDrop reports whether this successful create must be dropped, using one
// of the remaining DropAfterCreate.
func (s *Server) takeDrop() bool {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if s.dropRemaining > 0 {
		s.dropRemaining--
		return true
	}
	return false
}

// betweenPages acts as another client would between two pages of org's
// list, using up one CreateBetweenPages and one DeleteBetweenPages.
func (s *Server) betweenPages(org *Org) {
	s.faultMu.Lock()
	create, del := s.createBetween > 0, s.deleteBetween > 0
	if create {
		s.createBetween--
	}
	if del {
		s.deleteBetween--
	}
	s.faultMu.Unlock()
	if create {
		// A name no other script has: the store's sequence makes it unique.
		_, _ = s.store.create(org.ID, fmt.Sprintf("between-pages-%d", s.store.nextSeq()), "created between two list pages", "from(bucket: \"b\") |> range(start: -1h)", "flux")
	}
	if del {
		if recs := s.store.list(org.ID, "", 0, 1); len(recs) == 1 {
			_ = s.store.delete(org.ID, recs[0].ID, 0)
		}
	}
}

// deleteDelay is the current Faults.DeleteDelay.
func (s *Server) deleteDelay() time.Duration {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.faults.DeleteDelay
}

// dropConnection closes the client connection without a response. Behind an
// http.Server on HTTP/1.x it hijacks and closes the connection; where hijacking
// is impossible (HTTP/2, a ResponseRecorder) it panics with
// http.ErrAbortHandler, which net/http turns into an aborted response.
func dropConnection(w http.ResponseWriter) {
	if sw, ok := w.(*statusWriter); ok {
		sw.outcome = "dropped"
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close() // the point is the broken connection; a close error changes nothing
}

// authenticate returns the org whose token is in the Authorization header
// ("Token <t>" or "Bearer <t>", scheme case-sensitive as in InfluxDB), or nil.
func (s *Server) authenticate(r *http.Request) *Org {
	tok, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		return nil
	}
	return s.orgByToken[tok]
}

func bearerToken(h string) (string, bool) {
	for _, scheme := range []string{"Token ", "Bearer "} {
		if tok, ok := strings.CutPrefix(h, scheme); ok && tok != "" {
			return tok, true
		}
	}
	return "", false
}

// orgIDExists and orgNameExists report whether any org of the server has
// that ID or name.
func (s *Server) orgIDExists(id string) bool {
	return slices.ContainsFunc(s.orgs, func(o *Org) bool { return o.ID == id })
}

func (s *Server) orgNameExists(name string) bool {
	return slices.ContainsFunc(s.orgs, func(o *Org) bool { return o.Name == name })
}

func (s *Server) handleListOrgs(w http.ResponseWriter, r *http.Request, org *Org, _ string) {
	// Cloud returns only the org that owns the token. A filter that names
	// another org gets the contract's ResourceNotFoundError examples.
	q := r.URL.Query()
	if q.Has("org") && q.Get("org") != org.Name {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("organization name %q not found", q.Get("org")))
		return
	}
	if q.Has("orgID") && q.Get("orgID") != org.ID {
		writeError(w, http.StatusNotFound, codeNotFound, "organization not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"links": map[string]string{"self": "/api/v2/orgs"},
		"orgs": []map[string]any{{
			"id":     org.ID,
			"name":   org.Name,
			"status": "active",
			"links":  map[string]string{"self": "/api/v2/orgs/" + org.ID},
		}},
	})
}
