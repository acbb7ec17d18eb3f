package influxdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testToken is distinctive so that a leak is easy to spot in any string.
const testToken = "tOkEn-Zq9x/Secret+Value_4242=="

const testOrgID = "0123456789abcdef"

// newTestClient returns a client for baseURL with fast retries. Later options
// override earlier ones, so callers can replace the defaults.
func newTestClient(t *testing.T, baseURL string, opts ...Option) *Client {
	t.Helper()
	all := append([]Option{
		WithRetryWait(time.Millisecond, 5*time.Millisecond, 50*time.Millisecond),
		WithAPI(APIScripts),
		WithMaxRetries(3),
		WithTimeout(10 * time.Second),
	}, opts...)
	c, err := New(baseURL, testToken, all...)
	if err != nil {
		t.Fatalf("New(%q): %v", baseURL, err)
	}
	return c
}

// assertNoToken fails when err, in any of its renderings, holds the token.
func assertNoToken(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(s, testToken) {
			t.Fatalf("error leaks the token: %s", s)
		}
	}
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeAPIError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"code": code, "message": msg})
}

// recorded is one request as the fake server saw it.
type recorded struct {
	Method   string
	Path     string // decoded path
	RawPath  string // the path as sent on the wire
	Query    url.Values
	Header   http.Header
	Body     []byte
	Received time.Time
}

// fakeServer is a small in-memory scripts (or functions) API. Tests shape
// failures with before, which runs first and may answer the request itself.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	api       API      // which generation it serves
	scripts   []Script // newest first, as Cloud's examples list them
	nextID    int
	looseName bool // ?name= matches substrings, as the UI's search box suggests
	ignoreOff bool // the server ignores ?offset=
	hideNames map[string]int
	reqs      []recorded
	// before runs for every request, after it is recorded; returning true
	// means it answered. n counts the requests with the same method and path.
	before func(w http.ResponseWriter, r *http.Request, n int) bool
	counts map[string]int
	conns  atomic.Int32 // new connections accepted
}

func newFakeServer(t *testing.T, api API) *fakeServer {
	t.Helper()
	fs := &fakeServer{t: t, api: api, counts: map[string]int{}, hideNames: map[string]int{}}
	fs.srv = httptest.NewUnstartedServer(http.HandlerFunc(fs.serve))
	fs.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			fs.conns.Add(1)
		}
	}
	fs.srv.Start()
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *fakeServer) URL() string { return fs.srv.URL }

// add stores scripts as if created, newest first, and returns the first.
func (fs *fakeServer) add(scripts ...Script) Script {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	filled := make([]Script, len(scripts), len(scripts)+len(fs.scripts))
	for i, s := range scripts {
		filled[len(scripts)-1-i] = fs.fill(s) // the last added is the newest
	}
	fs.scripts = append(filled, fs.scripts...)
	if len(filled) == 0 {
		return Script{}
	}
	return filled[len(filled)-1]
}

// fill gives s the fields the server assigns. Call with mu held.
func (fs *fakeServer) fill(s Script) Script {
	if s.ID == "" {
		fs.nextID++
		s.ID = fmt.Sprintf("%016x", 0x0a00000000000000+fs.nextID)
	}
	if s.OrgID == "" {
		s.OrgID = testOrgID
	}
	if s.Language == "" {
		s.Language = "flux"
	}
	if s.CreatedAt == "" {
		s.CreatedAt = "2024-01-02T03:04:05.123456Z"
		s.UpdatedAt = s.CreatedAt
	}
	return s
}

// addN stores n scripts named prefix-0000 … in creation order.
func (fs *fakeServer) addN(prefix string, n int) {
	scripts := make([]Script, n)
	for i := range scripts {
		scripts[i] = Script{Name: fmt.Sprintf("%s-%04d", prefix, i), Script: "x", Description: "d"}
	}
	fs.add(scripts...)
}

func (fs *fakeServer) snapshot() []Script {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]Script(nil), fs.scripts...)
}

func (fs *fakeServer) requests() []recorded {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]recorded(nil), fs.reqs...)
}

// count reports how many requests had this method and a path with prefix.
func (fs *fakeServer) count(method, pathPrefix string) int {
	n := 0
	for _, r := range fs.requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

func (fs *fakeServer) collection() string { return "/api/v2/" + string(fs.api) }

func (fs *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fs.mu.Lock()
	fs.reqs = append(fs.reqs, recorded{
		Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.Query(),
		Header: r.Header.Clone(), Body: body, Received: time.Now(),
	})
	key := r.Method + " " + r.URL.Path
	fs.counts[key]++
	n := fs.counts[key]
	before := fs.before
	fs.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	if before != nil && before(w, r, n) {
		return
	}
	fs.route(w, r, body)
}

func (fs *fakeServer) route(w http.ResponseWriter, r *http.Request, body []byte) {
	p := r.URL.Path
	coll := fs.collection()
	switch {
	case p == "/api/v2/orgs" && r.Method == http.MethodGet && r.URL.Query().Has("orgID"):
		// Like InfluxDB Cloud: only the organization that owns the token.
		if r.URL.Query().Get("orgID") != testOrgID {
			writeAPIError(w, http.StatusNotFound, "not found", "organization not found")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"orgs": []Org{{ID: testOrgID, Name: "my org"}}})
	case p == "/api/v2/orgs" && r.Method == http.MethodGet:
		name := r.URL.Query().Get("org")
		writeJSON(w, http.StatusOK, map[string]any{"orgs": []Org{
			{ID: "1111111111111111", Name: name + "-other"},
			{ID: testOrgID, Name: name},
		}})
	case p == coll && r.Method == http.MethodGet:
		fs.list(w, r)
	case p == coll && r.Method == http.MethodPost:
		fs.create(w, body)
	case strings.HasPrefix(p, coll+"/"):
		rest := strings.TrimPrefix(p, coll+"/")
		id, sub, _ := strings.Cut(rest, "/")
		fs.item(w, r, id, sub, body)
	default:
		writeAPIError(w, http.StatusNotFound, "not found", "path not found")
	}
}

func (fs *fakeServer) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if fs.api == APIFunctions && q.Get("orgID") == "" && q.Get("org") == "" {
		writeAPIError(w, http.StatusBadRequest, "invalid", "organization is required")
		return
	}
	limit, offset := 100, 0
	if fs.api == APIFunctions {
		limit = 1 << 30
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "parsing field \"limit\": invalid syntax", "details": []any{}})
			return
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "parsing field \"offset\": invalid syntax", "details": []any{}})
			return
		}
		offset = n
	}
	fs.mu.Lock()
	name := q.Get("name")
	var matched []Script
	for _, s := range fs.scripts {
		if fs.hideNames[s.Name] > 0 {
			continue
		}
		if name == "" || s.Name == name || (fs.looseName && strings.Contains(s.Name, name)) {
			matched = append(matched, s)
		}
	}
	for n := range fs.hideNames {
		if fs.hideNames[n] > 0 && (name == "" || strings.Contains(n, name)) {
			fs.hideNames[n]--
		}
	}
	if fs.ignoreOff {
		offset = 0
	}
	fs.mu.Unlock()
	if offset > len(matched) {
		offset = len(matched)
	}
	end := min(offset+limit, len(matched))
	page := matched[offset:end]
	if page == nil {
		page = []Script{}
	}
	writeJSON(w, http.StatusOK, map[string]any{string(fs.api): page})
}

func (fs *fakeServer) create(w http.ResponseWriter, body []byte) {
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid", "failed to decode request body: "+err.Error())
		return
	}
	str := func(k string) string { s, _ := in[k].(string); return s }
	fs.mu.Lock()
	for _, s := range fs.scripts {
		if s.Name == str("name") {
			fs.mu.Unlock()
			writeAPIError(w, http.StatusUnprocessableEntity, "conflict", "uniqueness violation")
			return
		}
	}
	s := fs.fill(Script{Name: str("name"), Description: str("description"), Script: str("script"), Language: str("language")})
	fs.scripts = append([]Script{s}, fs.scripts...)
	fs.mu.Unlock()
	writeJSON(w, http.StatusCreated, s)
}

func (fs *fakeServer) item(w http.ResponseWriter, r *http.Request, id, sub string, body []byte) {
	fs.mu.Lock()
	idx := -1
	for i, s := range fs.scripts {
		if s.ID == id {
			idx = i
		}
	}
	fs.mu.Unlock()
	notFound := func() {
		w.Header().Set("X-Platform-Error-Code", "not found")
		writeAPIError(w, http.StatusNotFound, "not found", fmt.Sprintf("script %q not found", id))
	}
	switch {
	case sub == "" && r.Method == http.MethodDelete:
		// Found again under the lock: concurrent deletions move the others'
		// positions, so the index seen above may be stale.
		fs.mu.Lock()
		fs.scripts = slices.DeleteFunc(fs.scripts, func(s Script) bool { return s.ID == id })
		fs.mu.Unlock()
		w.WriteHeader(http.StatusNoContent) // even for unknown ids, as documented
	case idx < 0:
		notFound()
	case sub == "" && r.Method == http.MethodGet:
		fs.mu.Lock()
		i := fs.indexOf(id)
		var s Script
		if i >= 0 {
			s = fs.scripts[i]
		}
		fs.mu.Unlock()
		if i < 0 {
			notFound()
			return
		}
		writeJSON(w, http.StatusOK, s)
	case sub == "" && r.Method == http.MethodPatch:
		var in map[string]*string
		if err := json.Unmarshal(body, &in); err != nil {
			writeAPIError(w, http.StatusBadRequest, "invalid", err.Error())
			return
		}
		fs.mu.Lock()
		i := fs.indexOf(id)
		if i < 0 {
			fs.mu.Unlock()
			notFound()
			return
		}
		s := &fs.scripts[i]
		if v := in["description"]; v != nil {
			s.Description = *v
		}
		if v := in["script"]; v != nil {
			s.Script = *v
		}
		if v := in["name"]; v != nil && fs.api == APIFunctions {
			s.Name = *v
		}
		s.UpdatedAt = "2024-02-02T03:04:05.123456Z"
		out := *s
		fs.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	case sub == "params" && r.Method == http.MethodGet && fs.api == APIScripts:
		writeJSON(w, http.StatusOK, map[string]any{"params": map[string]string{"bucket": "string"}})
	case sub == "invoke" && r.Method == http.MethodPost:
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = io.WriteString(w, ",result,table,_value\n,_result,0,1\n")
	default:
		writeAPIError(w, http.StatusMethodNotAllowed, "method not allowed", "method not allowed")
	}
}

// indexOf is the position of the script id, -1 when there is none. Call
// with fs.mu held: concurrent deletions move positions.
func (fs *fakeServer) indexOf(id string) int {
	return slices.IndexFunc(fs.scripts, func(s Script) bool { return s.ID == id })
}

// closedPortURL returns an http URL on 127.0.0.1 where nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

// hijackClose drops the connection without answering.
func hijackClose(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}

// failingTransport fails the first n round trips with err, then delegates.
type failingTransport struct {
	next  http.RoundTripper
	err   func() error
	n     int32
	calls atomic.Int32
}

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.calls.Add(1) <= f.n {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, f.err()
	}
	return f.next.RoundTrip(r)
}

func readErr() error {
	return &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
}

func dialErr() error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
}

// logEvent is one debug event captured by captureLog.
type logEvent struct {
	ctx    context.Context
	msg    string
	fields map[string]any
}

type logCapture struct {
	mu     sync.Mutex
	events []logEvent
}

func (l *logCapture) fn(ctx context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	copied := make(map[string]any, len(fields))
	for k, v := range fields {
		copied[k] = v
	}
	l.events = append(l.events, logEvent{ctx: ctx, msg: msg, fields: copied})
}

func (l *logCapture) all() []logEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logEvent(nil), l.events...)
}

func (l *logCapture) withMsg(msg string) []logEvent {
	var out []logEvent
	for _, e := range l.all() {
		if e.msg == msg {
			out = append(out, e)
		}
	}
	return out
}

func strPtr(s string) *string { return &s }

// List returns one page of scripts, for tests of listPage. Where the generation has no server-side
// name filter, the page is filtered by exact name here, so it may hold fewer
// than Limit scripts even when more pages follow.
func (c *Client) List(ctx context.Context, opts ListOptions) ([]Script, error) {
	g, err := c.generation(ctx, opts.OrgID)
	if err != nil {
		return nil, err
	}
	scripts, err := c.listPage(ctx, g, opts)
	if err != nil {
		return nil, err
	}
	if opts.Name != "" && !g.nameFilter {
		scripts = filterByName(scripts, opts.Name)
	}
	return scripts, nil
}
