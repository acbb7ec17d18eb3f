package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

// logCapture is an Options.Logf that keeps every line.
type logCapture struct {
	mu    sync.Mutex
	lines []string
}

func (l *logCapture) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logCapture) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// waitFor polls until a line contains substr.
func (l *logCapture) waitFor(t *testing.T, substr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range l.all() {
			if strings.Contains(line, substr) {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no log line contains %q; lines: %q", substr, l.all())
}

func createCall(name string) call {
	return call{method: "POST", path: "/api/v2/scripts", body: map[string]any{"name": name, "description": "d", "script": "s", "language": "flux"}}
}

func TestFaultEveryN(t *testing.T) {
	h := newHarness(t, emulator.Options{})

	h.srv.SetFaults(emulator.Faults{Every503: 3})
	var statuses []int
	for i := range 6 {
		r := h.do(createCall(fmt.Sprintf("s%d", i)))
		statuses = append(statuses, r.status)
		if r.status == 503 {
			expectError(t, r, 503, "unavailable", "")
			if ra := r.header.Get("Retry-After"); ra != "0" {
				t.Errorf("Retry-After %q, want \"0\" for a zero RetryAfter", ra)
			}
		}
	}
	if want := []int{201, 201, 503, 201, 201, 503}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
	if n := h.srv.ScriptCount(emulator.DefaultOrgID); n != 4 {
		t.Errorf("ScriptCount %d: a faulted create must not act", n)
	}
	if st := h.srv.Stats()["POST /api/v2/scripts"]; st != 6 {
		t.Errorf("faulted requests must be counted: %d", st)
	}

	// SetFaults restarts the count; Retry-After is whole seconds rounded up.
	h.srv.SetFaults(emulator.Faults{Every429: 2, RetryAfter: 1500 * time.Millisecond})
	statuses = nil
	for range 4 {
		r := h.do(call{method: "GET", path: "/api/v2/scripts"})
		statuses = append(statuses, r.status)
		if r.status == 429 {
			expectError(t, r, 429, "too many requests", "")
			if ra := r.header.Get("Retry-After"); ra != "2" {
				t.Errorf("Retry-After %q, want 2", ra)
			}
		}
	}
	if want := []int{200, 429, 200, 429}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}

	// Both: 503 wins where they coincide. Faults come before auth and count
	// unknown /api/v2 paths too; admin requests do not count.
	h.srv.SetFaults(emulator.Faults{Every503: 2, Every429: 3, RetryAfter: time.Second})
	seq := []call{
		{method: "GET", path: "/api/v2/scripts"},
		{method: "GET", path: "/api/v2/scripts", token: noAuth},
		{method: "GET", path: "/api/v2/buckets", expectation: expectation{uncontracted: true}},
		{method: "GET", path: "/api/v2/scripts", token: noAuth},
		{method: "GET", path: "/api/v2/buckets", expectation: expectation{uncontracted: true}},
		{method: "GET", path: "/api/v2/scripts"},
	}
	statuses = nil
	for i, c := range seq {
		statuses = append(statuses, h.do(c).status)
		if i == 2 {
			h.expect(call{method: "GET", path: "/_emulator/stats", expectation: expectation{uncontracted: true}}, 200)
			h.expect(call{method: "GET", path: "/health", token: noAuth, expectation: expectation{uncontracted: true}}, 200)
		}
	}
	if want := []int{200, 503, 429, 503, 404, 503}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}

	// OmitRetryAfter: 503s without Retry-After (an outage after which the
	// client cannot tell whether the request was acted on), 429s with at
	// least 1 second. Neither acts on the request.
	for _, tc := range []struct {
		retryAfter time.Duration
		want429    string
	}{{0, "1"}, {2500 * time.Millisecond, "3"}} {
		h.srv.SetFaults(emulator.Faults{Every503: 2, Every429: 3, RetryAfter: tc.retryAfter, OmitRetryAfter: true})
		before := h.srv.ScriptCount(emulator.DefaultOrgID)
		var got []string
		for i := range 4 {
			r := h.do(call{method: "POST", path: "/api/v2/scripts", body: map[string]any{
				"name": fmt.Sprintf("omit-%s-%d", tc.retryAfter, i), "description": "", "script": "x", "language": "flux"}})
			got = append(got, fmt.Sprintf("%d %q", r.status, r.header.Values("Retry-After")))
		}
		want := []string{`201 []`, `503 []`, fmt.Sprintf(`429 ["%s"]`, tc.want429), `503 []`}
		if !slices.Equal(got, want) {
			t.Errorf("OmitRetryAfter with RetryAfter %s: %v, want %v", tc.retryAfter, got, want)
		}
		if n := h.srv.ScriptCount(emulator.DefaultOrgID) - before; n != 1 {
			t.Errorf("%d scripts created, want 1: a faulted create must not act", n)
		}
	}

	h.srv.SetFaults(emulator.Faults{})
	h.expect(call{method: "GET", path: "/api/v2/scripts"}, 200)
}

func TestFaultsFromOptions(t *testing.T) {
	h := newHarness(t, emulator.Options{Faults: emulator.Faults{Every429: 1, RetryAfter: 3 * time.Second}})
	r := h.do(call{method: "GET", path: "/api/v2/scripts"})
	expectError(t, r, 429, "too many requests", "")
	if r.header.Get("Retry-After") != "3" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
}

func TestFaultLatency(t *testing.T) {
	logs := &logCapture{}
	h := newHarness(t, emulator.Options{Logf: logs.Logf})
	h.srv.SetFaults(emulator.Faults{Latency: 80 * time.Millisecond})
	start := time.Now()
	h.expect(call{method: "GET", path: "/api/v2/scripts"}, 200)
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("request took %v, want at least the 80ms latency", d)
	}

	// A request abandoned during the latency is not acted on.
	h.srv.SetFaults(emulator.Faults{Latency: 3 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	c := createCall("never")
	c.ctx = ctx
	start = time.Now()
	if _, err := h.request(c); err == nil {
		t.Fatal("the request should have been cut off by its context")
	}
	logs.waitFor(t, "POST /api/v2/scripts canceled")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancellation took %v: the latency must honour the request context", d)
	}
	if n := h.srv.ScriptCount(emulator.DefaultOrgID); n != 0 {
		t.Errorf("ScriptCount %d: a cancelled request must not act", n)
	}
	h.srv.SetFaults(emulator.Faults{})
}

func TestFaultDropAfterCreate(t *testing.T) {
	logs := &logCapture{}
	h := newHarness(t, emulator.Options{APIs: emulator.APIsBoth, Logf: logs.Logf, Faults: emulator.Faults{DropAfterCreate: 1}})
	// A failed create is not "successful", so it does not use up the drop.
	h.expect(call{method: "POST", path: "/api/v2/scripts", body: map[string]any{"name": "x"}, expectation: expectation{invalidRequest: true}}, 400)

	_, err := h.request(createCall("dropped"))
	if err == nil {
		t.Fatal("the dropped create answered; want a connection error")
	}
	logs.waitFor(t, "POST /api/v2/scripts dropped")
	if names := h.srv.ScriptNames(emulator.DefaultOrgID); !slices.Equal(names, []string{"dropped"}) {
		t.Errorf("after the dropped create: %v, want exactly [dropped]", names)
	}
	// Retrying the create as a client would meets the stored script.
	expectError(t, h.do(createCall("dropped")), 422, "conflict", "uniqueness violation")
	h.expect(createCall("second"), 201)

	// Drops apply to /functions creates too, and count down per use.
	h.srv.SetFaults(emulator.Faults{DropAfterCreate: 2})
	for i := range 2 {
		if _, err := h.request(call{method: "POST", path: "/api/v2/functions", body: functionBody(fmt.Sprintf("f%d", i), nil)}); err == nil {
			t.Errorf("function create %d answered", i)
		}
	}
	h.expect(call{method: "POST", path: "/api/v2/functions", body: functionBody("f2", nil)}, 201)
	if n := h.srv.ScriptCount(emulator.DefaultOrgID); n != 5 {
		t.Errorf("ScriptCount %d, want 5", n)
	}
}

// Without a hijackable connection the drop aborts the handler the way
// net/http understands.
func TestDropWithoutHijacker(t *testing.T) {
	srv, err := emulator.New(emulator.Options{Faults: emulator.Faults{DropAfterCreate: 1}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/api/v2/scripts", strings.NewReader(`{"name":"n","description":"d","script":"s","language":"flux"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Token "+emulator.DefaultToken)
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", p)
		}
		if srv.ScriptCount(emulator.DefaultOrgID) != 1 {
			t.Errorf("the dropped create was not stored")
		}
	}()
	srv.ServeHTTP(httptest.NewRecorder(), req)
}

func TestAdmin(t *testing.T) {
	opts := twoOrgs()
	h := newHarness(t, opts) // admin token defaults to token-a1
	admin := func(method, path, token string, body any) reply {
		t.Helper()
		return h.do(call{method: method, path: path, token: token, body: body, expectation: expectation{uncontracted: true}})
	}
	for _, tok := range []string{noAuth, "token-a2", "token-b1", "wrong"} {
		for _, c := range [][2]string{{"GET", "/_emulator/stats"}, {"DELETE", "/_emulator/stats"}, {"GET", "/_emulator/faults"}, {"PUT", "/_emulator/faults"}} {
			var body any
			if c[0] == "PUT" {
				body = map[string]any{"every503": 1}
			}
			expectError(t, admin(c[0], c[1], tok, body), 401, "unauthorized", "unauthorized access")
		}
	}
	if f := decodeJSON[map[string]int](t, admin("GET", "/_emulator/faults", "token-a1", nil)); f["every503"] != 0 {
		t.Errorf("a 401 PUT changed the faults: %v", f)
	}

	h.expect(call{method: "GET", path: "/api/v2/scripts", token: "token-a1"}, 200)
	h.expect(call{method: "GET", path: "/api/v2/scripts", token: "token-b1"}, 200)
	r := admin("GET", "/_emulator/stats", "token-a1", nil)
	if got := string(r.body); got != `{"requests":{"GET /api/v2/scripts":2}}`+"\n" {
		t.Errorf("stats %s", got)
	}
	if r := admin("DELETE", "/_emulator/stats", "token-a1", nil); r.status != 204 || len(h.srv.Stats()) != 0 {
		t.Errorf("DELETE stats: %d, stats %v", r.status, h.srv.Stats())
	}
	if got := string(admin("GET", "/_emulator/stats", "token-a1", nil).body); got != `{"requests":{}}`+"\n" {
		t.Errorf("stats after reset %s", got)
	}

	want := `{"every503":2,"every429":5,"retryAfterSeconds":7,"latencyMs":0,"dropAfterCreate":1}` + "\n"
	r = admin("PUT", "/_emulator/faults", "token-a1", map[string]any{"every503": 2, "every429": 5, "retryAfterSeconds": 7, "dropAfterCreate": 1})
	if r.status != 200 || string(r.body) != want {
		t.Errorf("PUT faults: %d %s", r.status, r.body)
	}
	if got := string(admin("GET", "/_emulator/faults", "token-a1", nil).body); got != want {
		t.Errorf("GET faults %s", got)
	}
	h.expect(call{method: "GET", path: "/api/v2/scripts", token: "token-a1"}, 200)
	r = h.do(call{method: "GET", path: "/api/v2/scripts", token: "token-a1"})
	if r.status != 503 || r.header.Get("Retry-After") != "7" {
		t.Errorf("PUT faults had no effect: %d %q", r.status, r.header.Get("Retry-After"))
	}
	// Admin routes are never faulted nor counted.
	for range 4 {
		admin("GET", "/_emulator/faults", "token-a1", nil)
	}
	if st := h.srv.Stats(); len(st) != 1 || st["GET /api/v2/scripts"] != 2 {
		t.Errorf("stats %v", st)
	}

	for _, body := range []any{`{"every503":`, map[string]any{"every503": -1}, map[string]any{"every5o3": 1}, `[]`} {
		expectError(t, admin("PUT", "/_emulator/faults", "token-a1", body), 400, "invalid", "")
	}
	if got := string(admin("GET", "/_emulator/faults", "token-a1", nil).body); got != want {
		t.Errorf("a rejected PUT changed the faults: %s", got)
	}
	r = admin("PUT", "/_emulator/faults", "token-a1", map[string]any{})
	if !strings.Contains(string(r.body), `"every503":0`) {
		t.Errorf("PUT {} must switch faults off: %s", r.body)
	}
	// retryAfterSeconds 0 (given or absent) sends 503s without Retry-After
	// and 429s with the 1-second minimum.
	for _, body := range []map[string]any{{"every503": 1}, {"every503": 1, "retryAfterSeconds": 0}} {
		admin("PUT", "/_emulator/faults", "token-a1", body)
		r = h.do(call{method: "GET", path: "/api/v2/scripts", token: "token-a1"})
		if r.status != 503 || r.header.Values("Retry-After") != nil {
			t.Errorf("after PUT %v: %d Retry-After %q, want a 503 without it", body, r.status, r.header.Values("Retry-After"))
		}
	}
	admin("PUT", "/_emulator/faults", "token-a1", map[string]any{"every429": 1})
	if r = h.do(call{method: "GET", path: "/api/v2/scripts", token: "token-a1"}); r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Errorf("429 after PUT without retryAfterSeconds: %d Retry-After %q, want 1", r.status, r.header.Get("Retry-After"))
	}
	admin("PUT", "/_emulator/faults", "token-a1", map[string]any{})
	expectError(t, admin("GET", "/_emulator/nope", "token-a1", nil), 404, "not found", "")
	r = admin("POST", "/_emulator/stats", "token-a1", nil)
	expectError(t, r, 405, "method not allowed", "")
	if r.header.Get("Allow") != "GET, DELETE" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}

	// An explicit AdminToken is the only one accepted.
	h2 := newHarness(t, emulator.Options{AdminToken: "root-secret"})
	expectError(t, h2.do(call{method: "GET", path: "/_emulator/stats", expectation: expectation{uncontracted: true}}), 401, "unauthorized", "")
	h2.expect(call{method: "GET", path: "/_emulator/stats", token: noAuth, header: map[string]string{"Authorization": "Bearer root-secret"},
		expectation: expectation{uncontracted: true}}, 200)
}

func TestStatsKeys(t *testing.T) {
	h := newHarness(t, emulator.Options{APIs: emulator.APIsBoth})
	s := h.createScript("s", "from(bucket: params.b)")
	id := s.ID
	calls := []call{
		{method: "GET", path: "/api/v2/scripts"},
		{method: "GET", path: "/api/v2/scripts", token: noAuth},
		{method: "GET", path: "/api/v2/scripts/" + id},
		{method: "PATCH", path: "/api/v2/scripts/" + id, body: map[string]any{}},
		{method: "POST", path: "/api/v2/scripts/" + id + "/invoke", body: map[string]any{"params": map[string]any{"b": 1}}},
		{method: "GET", path: "/api/v2/scripts/" + id + "/params"},
		{method: "GET", path: "/api/v2/orgs"},
		{method: "GET", path: "/api/v2/functions"},
		{method: "POST", path: "/api/v2/functions", body: functionBody("f", nil)},
		{method: "GET", path: "/api/v2/functions/" + id},
		{method: "PATCH", path: "/api/v2/functions/" + id, body: map[string]any{}},
		{method: "GET", path: "/api/v2/functions/" + id + "/invoke?b=1"},
		{method: "POST", path: "/api/v2/functions/" + id + "/invoke", body: map[string]any{"params": map[string]any{"b": 1}}},
		{method: "DELETE", path: "/api/v2/functions/" + id},
		{method: "DELETE", path: "/api/v2/scripts/" + id},
		{method: "GET", path: "/api/v2/buckets", expectation: expectation{uncontracted: true}},
		{method: "GET", path: "/api/v2", expectation: expectation{uncontracted: true}},
		{method: "GET", path: "/api/v2/scripts/"}, // kin-openapi maps it to GetScripts; the emulator answers 404
		{method: "PUT", path: "/api/v2/scripts", body: map[string]any{}, expectation: expectation{uncontracted: true}},
		{method: "GET", path: "/elsewhere", token: noAuth, expectation: expectation{uncontracted: true}},
		{method: "GET", path: "/health", token: noAuth, expectation: expectation{uncontracted: true}},
		{method: "GET", path: "/ping", token: noAuth},
		{method: "GET", path: "/_emulator/stats", expectation: expectation{uncontracted: true}},
	}
	for _, c := range calls {
		h.do(c)
	}
	want := map[string]int{
		"POST /api/v2/scripts":               1,
		"GET /api/v2/scripts":                2,
		"GET /api/v2/scripts/{id}":           1,
		"PATCH /api/v2/scripts/{id}":         1,
		"DELETE /api/v2/scripts/{id}":        1,
		"POST /api/v2/scripts/{id}/invoke":   1,
		"GET /api/v2/scripts/{id}/params":    1,
		"GET /api/v2/orgs":                   1,
		"GET /api/v2/functions":              1,
		"POST /api/v2/functions":             1,
		"GET /api/v2/functions/{id}":         1,
		"PATCH /api/v2/functions/{id}":       1,
		"DELETE /api/v2/functions/{id}":      1,
		"GET /api/v2/functions/{id}/invoke":  1,
		"POST /api/v2/functions/{id}/invoke": 1,
		"GET unknown":                        4,
		"PUT unknown":                        1,
	}
	if got := h.srv.Stats(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Stats\n got %v\nwant %v", got, want)
	}
	// Stats returns a copy.
	h.srv.Stats()["GET /api/v2/orgs"] = 99
	if h.srv.Stats()["GET /api/v2/orgs"] != 1 {
		t.Error("Stats exposes its internal map")
	}
	h.srv.ResetStats()
	if got := h.srv.Stats(); len(got) != 0 {
		t.Errorf("after ResetStats: %v", got)
	}
}

func TestLogsNeverContainSecrets(t *testing.T) {
	logs := &logCapture{}
	const token = "s3cr3t-token-value"
	h := newHarness(t, emulator.Options{
		Orgs: []emulator.Org{{ID: emulator.DefaultOrgID, Name: "o", Tokens: []string{token}}},
		Logf: logs.Logf,
	})
	h.expect(call{method: "POST", path: "/api/v2/scripts?token=" + token, token: token,
		body: map[string]any{"name": "n", "description": token, "script": "s", "language": "flux"}}, 201)
	h.expect(call{method: "GET", path: "/api/v2/scripts?name=" + token, token: token}, 200)
	h.do(call{method: "GET", path: "/api/v2/scripts", token: "wrong-" + token})
	h.do(call{method: "GET", path: "/_emulator/stats", token: token, expectation: expectation{uncontracted: true}})

	lines := logs.all()
	if len(lines) != 4 {
		t.Fatalf("want one log line per request, got %q", lines)
	}
	for _, want := range []string{"POST /api/v2/scripts 201 ", "GET /api/v2/scripts 200 ", "GET /api/v2/scripts 401 ", "GET /_emulator/stats 200 "} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, want) }) {
			t.Errorf("no line starts with %q: %q", want, lines)
		}
	}
	for _, l := range lines {
		if strings.Contains(l, token) || strings.Contains(l, "?") {
			t.Errorf("log line leaks a token or query string: %q", l)
		}
	}
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "scripts.json")
	h1 := newHarness(t, emulator.Options{DataFile: file})
	a := h1.createScript("a", "from(bucket: params.b)")
	// Persisted before the 201 was sent: the file already holds it.
	if raw, err := os.ReadFile(file); err != nil || !strings.Contains(string(raw), a.ID) {
		t.Fatalf("after the 201 the data file lacks the script (err %v)", err)
	}
	b := h1.createScript("b", "x")
	a = decodeJSON[wireScript](t, h1.expect(call{method: "PATCH", path: "/api/v2/scripts/" + a.ID, body: map[string]any{"description": "patched"}}, 200))
	h1.expect(call{method: "DELETE", path: "/api/v2/scripts/" + b.ID}, 204)

	// A second server on the same file (as after a crash: h1 never closed)
	// sees exactly the acknowledged state.
	h2 := newHarness(t, emulator.Options{DataFile: file})
	if got := decodeJSON[wireScript](t, h2.expect(call{method: "GET", path: "/api/v2/scripts/" + a.ID}, 200)); got != a {
		t.Errorf("reloaded %+v, want %+v", got, a)
	}
	h2.expect(call{method: "GET", path: "/api/v2/scripts/" + b.ID}, 404)
	c := h2.createScript("c", "x")
	r := h2.expect(call{method: "GET", path: "/api/v2/scripts"}, 200)
	got := decodeJSON[struct{ Scripts []wireScript }](t, r).Scripts
	if len(got) != 2 || got[0].ID != c.ID || got[1].ID != a.ID {
		t.Errorf("after reload and create: %v", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	// A dropped create is on disk even though the client never heard back.
	h2.srv.SetFaults(emulator.Faults{DropAfterCreate: 1})
	if _, err := h2.request(createCall("dropped")); err == nil {
		t.Fatal("the create should have been dropped")
	}
	h3 := newHarness(t, emulator.Options{DataFile: file})
	if names := h3.srv.ScriptNames(emulator.DefaultOrgID); !slices.Equal(names, []string{"a", "c", "dropped"}) {
		t.Errorf("reloaded names %v", names)
	}
}

// When the data file cannot be written the change is undone and the client
// gets a 500, never a 2xx for something that is not on disk.
func TestPersistenceFailureRollsBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "scripts.json")
	h := newHarness(t, emulator.Options{DataFile: file})
	s := h.createScript("kept", "x")
	before := h.snapshot()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for _, c := range []call{
		createCall("lost"),
		{method: "PATCH", path: "/api/v2/scripts/" + s.ID, body: map[string]any{"description": "lost"}},
		{method: "DELETE", path: "/api/v2/scripts/" + s.ID},
	} {
		expectError(t, h.do(c), 500, "internal error", "")
	}
	if after := h.snapshot(); after != before {
		t.Errorf("failed saves changed the store:\n%s\n%s", before, after)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h.expect(createCall("after"), 201)
	// Close must be able to flush on its own, too.
	if err := h.srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if raw, err := os.ReadFile(file); err != nil || !strings.Contains(string(raw), `"name": "kept"`) {
		t.Errorf("data file after Close: %v %s", err, raw)
	}
}

func TestConcurrentClientsLoseNothing(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	const workers, shared = 50, 8
	var won [shared]atomic.Int32
	var kept atomic.Int64
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			// Each client tries half the shared names, so every name is
			// still raced by about 25 clients.
			for _, i := range rng.Perm(shared)[:shared/2] {
				r, err := h.request(createCall(fmt.Sprintf("race-%d", i)))
				switch {
				case err != nil:
					t.Errorf("create race-%d: %v", i, err)
				case r.status == 201:
					won[i].Add(1)
				case r.status != 422:
					t.Errorf("create race-%d: %d %s", i, r.status, r.body)
				}

				own := fmt.Sprintf("own-%d-%d", g, i)
				r, err = h.request(createCall(own))
				if err != nil || r.status != 201 {
					t.Errorf("create %s: %v %d", own, err, r.status)
					continue
				}
				id := decodeJSON[wireScript](t, r).ID
				if i%2 == 0 {
					if r, err := h.request(call{method: "DELETE", path: "/api/v2/scripts/" + id}); err != nil || r.status != 204 {
						t.Errorf("delete %s: %v %d", own, err, r.status)
					}
				} else {
					kept.Add(1)
				}

				r, err = h.request(call{method: "GET", path: fmt.Sprintf("/api/v2/scripts?limit=10&offset=%d", rng.IntN(100))})
				if err != nil || r.status != 200 {
					t.Errorf("list: %v %d", err, r.status)
					continue
				}
				seen := map[string]bool{}
				for _, s := range decodeJSON[struct{ Scripts []wireScript }](t, r).Scripts {
					if seen[s.Name] {
						t.Errorf("a list page holds %q twice", s.Name)
					}
					seen[s.Name] = true
				}
			}
		})
	}
	wg.Wait()
	for i := range won {
		if n := won[i].Load(); n != 1 {
			t.Errorf("race-%d was created %d times, want exactly once", i, n)
		}
	}
	names := h.srv.ScriptNames(emulator.DefaultOrgID)
	if len(names) != shared+int(kept.Load()) || len(names) != h.srv.ScriptCount(emulator.DefaultOrgID) {
		t.Errorf("stored %d scripts, want %d", len(names), shared+int(kept.Load()))
	}
	if len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("duplicate names stored: %v", names)
	}
	r := h.expect(call{method: "GET", path: "/api/v2/scripts?limit=500"}, 200)
	if n := len(decodeJSON[struct{ Scripts []wireScript }](t, r).Scripts); n != len(names) {
		t.Errorf("list shows %d, store holds %d", n, len(names))
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	org := func(id, name string, tokens ...string) emulator.Org {
		return emulator.Org{ID: id, Name: name, Tokens: tokens}
	}
	cases := []struct {
		name string
		opts emulator.Options
		want string
	}{
		{"unknown APIs", emulator.Options{APIs: "v3"}, "APIs"},
		{"org without ID", emulator.Options{Orgs: []emulator.Org{org("", "n", "t")}}, "ID"},
		{"duplicate org ID", emulator.Options{Orgs: []emulator.Org{org("1", "a", "t1"), org("1", "b", "t2")}}, "duplicate org ID"},
		{"duplicate org name", emulator.Options{Orgs: []emulator.Org{org("1", "a", "t1"), org("2", "a", "t2")}}, "duplicate org name"},
		{"shared token", emulator.Options{Orgs: []emulator.Org{org("1", "a", "secret-shared"), org("2", "b", "secret-shared")}}, "also used"},
		{"empty token", emulator.Options{Orgs: []emulator.Org{org("1", "a", "")}}, "empty token"},
		{"token with space", emulator.Options{Orgs: []emulator.Org{org("1", "a", "a b")}}, "whitespace"},
		{"no admin token", emulator.Options{Orgs: []emulator.Org{org("1", "a")}}, "AdminToken"},
		{"negative fault", emulator.Options{Faults: emulator.Faults{Every503: -1}}, "negative"},
		{"corrupt data file", emulator.Options{DataFile: write("corrupt.json", "{")}, "not valid JSON"},
		{"foreign data file", emulator.Options{DataFile: write("foreign.json", `{"scripts":[]}`)}, "format"},
		{"duplicate ids", emulator.Options{DataFile: write("dup.json", `{"format":"influxdb-emulator/v1","scripts":[
			{"id":"1","orgID":"o","name":"a"},{"id":"1","orgID":"o","name":"b"}]}`)}, "twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := emulator.New(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one mentioning %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret-shared") {
				t.Errorf("error leaks a token: %v", err)
			}
		})
	}
	if _, err := emulator.New(emulator.Options{Orgs: []emulator.Org{org("1", "a")}, AdminToken: "admin"}); err != nil {
		t.Errorf("an org without tokens plus an AdminToken is valid: %v", err)
	}
	if _, err := emulator.New(emulator.Options{DataFile: filepath.Join(dir, "missing.json")}); err != nil {
		t.Errorf("a missing data file is an empty store: %v", err)
	}
	if _, err := emulator.New(emulator.Options{DataFile: dir}); err == nil || errors.Is(err, os.ErrNotExist) {
		t.Errorf("a directory as data file: %v", err)
	}
}

// Another client's create or delete between two list pages happens after the
// full page is read and before the next one, once per setting.
func TestFaultBetweenPages(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	for i := range 5 {
		h.createScript(fmt.Sprintf("s%d", i), "x")
	}
	names := func(query string) []string {
		t.Helper()
		r := h.expect(call{method: "GET", path: "/api/v2/scripts" + query}, http.StatusOK)
		var out []string
		for _, s := range decodeJSON[struct{ Scripts []wireScript }](t, r).Scripts {
			out = append(out, s.Name)
		}
		return out
	}

	h.srv.SetFaults(emulator.Faults{CreateBetweenPages: 1})
	if got := names("?limit=10"); len(got) != 5 { // a short page: nothing happens
		t.Fatalf("short page: %v", got)
	}
	if got := names("?limit=2"); !slices.Equal(got, []string{"s4", "s3"}) {
		t.Fatalf("the full page already holds the new script: %v", got)
	}
	if got := names("?limit=2&offset=2"); !slices.Equal(got, []string{"s3", "s2"}) {
		t.Fatalf("after a create between pages the next page is shifted by one: %v", got)
	}
	if n := h.srv.ScriptCount(emulator.DefaultOrgID); n != 6 {
		t.Fatalf("one create between pages, then none: %d scripts, want 6", n)
	}

	h.srv.SetFaults(emulator.Faults{DeleteBetweenPages: 1})
	first := names("?limit=2")
	if got := names("?limit=2&offset=2"); !slices.Equal(got, []string{"s2", "s1"}) {
		t.Fatalf("after the newest (%s) is deleted between pages the next page skips one: %v", first[0], got)
	}
	if n := h.srv.ScriptCount(emulator.DefaultOrgID); n != 5 {
		t.Fatalf("one delete between pages: %d scripts, want 5", n)
	}

	// The admin API sets and reports the same settings.
	put := h.do(call{method: "PUT", path: "/_emulator/faults", body: map[string]any{"createBetweenPages": 2, "deleteBetweenPages": 3, "deleteDelayMs": 1500}, expectation: expectation{uncontracted: true}})
	want := `{"every503":0,"every429":0,"retryAfterSeconds":0,"latencyMs":0,"dropAfterCreate":0,"createBetweenPages":2,"deleteBetweenPages":3,"deleteDelayMs":1500}`
	if got := strings.TrimSpace(string(put.body)); put.status != http.StatusOK || got != want {
		t.Fatalf("PUT faults: %d %s, want %s", put.status, got, want)
	}
}

// With DeleteDelay a deleted script stays readable, listed and holding its
// name until the delay has passed.
func TestFaultDeleteDelay(t *testing.T) {
	clock := &frozenClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	h := newHarness(t, emulator.Options{Now: clock.Now, Faults: emulator.Faults{DeleteDelay: time.Second}})
	s := h.createScript("queued", "x")
	h.expect(call{method: "DELETE", path: "/api/v2/scripts/" + s.ID}, http.StatusNoContent)
	h.expect(call{method: "GET", path: "/api/v2/scripts/" + s.ID}, http.StatusOK)
	expectError(t, h.do(createCall("queued")), 422, "conflict", "uniqueness violation")
	h.expect(call{method: "DELETE", path: "/api/v2/scripts/" + s.ID}, http.StatusNoContent) // queued once
	clock.mu.Lock()
	clock.t = clock.t.Add(999 * time.Millisecond)
	clock.mu.Unlock()
	if n := h.srv.ScriptCount(emulator.DefaultOrgID); n != 1 {
		t.Fatalf("before the delay: %d scripts, want 1", n)
	}
	clock.mu.Lock()
	clock.t = clock.t.Add(time.Millisecond)
	clock.mu.Unlock()
	h.expect(call{method: "GET", path: "/api/v2/scripts/" + s.ID}, http.StatusNotFound)
	h.expect(createCall("queued"), http.StatusCreated)
}
