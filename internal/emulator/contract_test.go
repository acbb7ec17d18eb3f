package emulator_test

// This file is the contract harness: every HTTP exchange the tests make goes
// through validatingTransport, which checks the request and the response
// against the OpenAPI contracts in internal/contract/testdata (see
// that package for which contract covers which path, and for the two
// narrowly recognised deviations it allows). On top of that the harness
// holds each test to what it expects: a request a test marks invalidRequest
// must break the request contract, and a path or method it marks
// uncontracted must be in no contract; every other exchange must be covered
// and valid.
//
// Responses with a status the operation does not list must match its
// "default" response; with no default they fail.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/contract"
	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

var (
	// validatedExchanges counts exchanges whose response was checked
	// against a contract; TestMain fails a full run that checked none.
	validatedExchanges atomic.Int64
	harnessUsed        atomic.Bool
)

// expectation is attached to a request's context by the test that sends it.
type expectation struct {
	// invalidRequest: the test deliberately breaks the request contract; the
	// validator must agree that it does.
	invalidRequest bool
	// uncontracted: the path or method is in no contract (routing tests);
	// the validator must agree that it is not.
	uncontracted bool
}

type expectationKey struct{}

func withExpectation(ctx context.Context, e expectation) context.Context {
	return context.WithValue(ctx, expectationKey{}, e)
}

// validatingTransport validates every exchange and reports violations on t.
type validatingTransport struct {
	t    testing.TB
	base http.RoundTripper
	cs   *contract.Set
	// validated, if set, counts the responses checked against a contract.
	validated *atomic.Int64
}

func (vt *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	exp, _ := req.Context().Value(expectationKey{}).(expectation)
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(reqBody))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }

	what := req.Method + " " + req.URL.RequestURI()
	route, routeErr := vt.cs.FindRoute(req)
	switch {
	case exp.uncontracted && routeErr == nil:
		vt.t.Errorf("contract: %s was marked uncontracted, but operation %s covers it", what, route.OperationID())
		route = nil
	case !exp.uncontracted && routeErr != nil:
		vt.t.Errorf("contract: %s matches no operation: %v", what, routeErr)
	}

	if route != nil {
		err := route.CheckRequest(req.Context(), req, reqBody)
		switch {
		case exp.invalidRequest && err == nil:
			vt.t.Errorf("contract: %s was meant to break the request contract of %s, but it validates", what, route.OperationID())
		case !exp.invalidRequest && err != nil:
			vt.t.Errorf("contract: request %s breaks %s: %v", what, route.OperationID(), err)
		}
	}

	resp, err := vt.base.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if route == nil {
		return resp, nil
	}

	if err := route.CheckResponse(req.Context(), req, resp.StatusCode, resp.Header, respBody); err != nil {
		vt.t.Errorf("contract: response %d to %s breaks %s: %v\nbody: %s", resp.StatusCode, what, route.OperationID(), err, respBody)
	}
	if vt.validated != nil {
		vt.validated.Add(1)
	}
	return resp, nil
}

// ---- test harness ----------------------------------------------------------

// harness runs one emulator behind httptest and talks to it through the
// validating client.
type harness struct {
	t      *testing.T
	srv    *emulator.Server
	url    string
	client *http.Client
	base   http.RoundTripper
	cs     *contract.Set
}

// with returns a harness for the same emulator that reports on t (a subtest).
func (h *harness) with(t *testing.T) *harness {
	c := *h
	c.t = t
	c.client = newValidatingClient(t, h.base, h.cs)
	return &c
}

func newValidatingClient(t testing.TB, base http.RoundTripper, cs *contract.Set) *http.Client {
	return &http.Client{
		Transport: &validatingTransport{t: t, base: base, cs: cs, validated: &validatedExchanges},
		Timeout:   20 * time.Second,
	}
}

func newHarness(t *testing.T, opts emulator.Options) *harness {
	t.Helper()
	cs := contract.Require(t)
	harnessUsed.Store(true)
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	// No proxy (loopback only); enough idle connections for the 50 clients
	// of the concurrency test, which otherwise churn through new ones.
	base := &http.Transport{MaxIdleConns: 100, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	t.Cleanup(base.CloseIdleConnections)
	return &harness{t: t, srv: srv, url: ts.URL, client: newValidatingClient(t, base, cs), base: base, cs: cs}
}

// call describes one request.
type call struct {
	method string
	path   string // with query string
	// body: nil sends none, string and []byte are sent raw, anything else as JSON.
	body any
	// token: "" uses emulator.DefaultToken, noAuth sends no Authorization.
	token string
	// header entries are set after the defaults; an empty value deletes one.
	header map[string]string
	expectation
	ctx context.Context
}

const noAuth = "-"

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (h *harness) request(c call) (reply, error) {
	h.t.Helper()
	var body io.Reader
	switch b := c.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatalf("marshal body: %v", err)
		}
		body = bytes.NewReader(raw)
	}
	ctx := c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	req, err := http.NewRequestWithContext(withExpectation(ctx, c.expectation), c.method, h.url+c.path, body)
	if err != nil {
		h.t.Fatalf("new request: %v", err)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	switch c.token {
	case "":
		req.Header.Set("Authorization", "Token "+emulator.DefaultToken)
	case noAuth:
	default:
		req.Header.Set("Authorization", "Token "+c.token)
	}
	for k, v := range c.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}

func (h *harness) do(c call) reply {
	h.t.Helper()
	r, err := h.request(c)
	if err != nil {
		h.t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	return r
}

// expect sends c and fails unless the status is want.
func (h *harness) expect(c call, want int) reply {
	h.t.Helper()
	r := h.do(c)
	if r.status != want {
		h.t.Fatalf("%s %s: status %d, want %d; body: %s", c.method, c.path, r.status, want, r.body)
	}
	return r
}

func decodeJSON[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("response is not the expected JSON (%v): %s", err, r.body)
	}
	return v
}

// wireScript is the test's own view of Script/Function on the wire.
type wireScript struct {
	ID          string  `json:"id"`
	OrgID       string  `json:"orgID"`
	Name        string  `json:"name"`
	Script      string  `json:"script"`
	Description string  `json:"description"`
	Language    string  `json:"language"`
	URL         *string `json:"url"`
	CreatedAt   string  `json:"createdAt"`
	UpdatedAt   string  `json:"updatedAt"`
}

type wireError struct {
	Code    any    `json:"code"`
	Message string `json:"message"`
}

// expectError checks an error reply's status, code, message and headers.
func expectError(t *testing.T, r reply, status int, code, message string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	e := decodeJSON[wireError](t, r)
	if e.Code != code {
		t.Errorf("code %v, want %q", e.Code, code)
	}
	if message != "" && e.Message != message {
		t.Errorf("message %q, want %q", e.Message, message)
	}
	if e.Message == "" {
		t.Errorf("error without message: %s", r.body)
	}
	if got := r.header.Get("X-Platform-Error-Code"); got != code {
		t.Errorf("X-Platform-Error-Code %q, want %q", got, code)
	}
}

func (h *harness) createScript(name, script string) wireScript {
	h.t.Helper()
	r := h.expect(call{method: "POST", path: "/api/v2/scripts", body: map[string]any{
		"name": name, "description": "about " + name, "script": script, "language": "flux",
	}}, http.StatusCreated)
	return decodeJSON[wireScript](h.t, r)
}

// listAll returns every script the default token sees, as raw JSON, for
// "nothing changed" comparisons.
func (h *harness) snapshot() string {
	h.t.Helper()
	return string(h.expect(call{method: "GET", path: "/api/v2/scripts?limit=500"}, http.StatusOK).body)
}

// TestMain fails a full run in which no exchange was checked against a
// contract: that would mean the harness had silently stopped validating.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && harnessUsed.Load() && validatedExchanges.Load() == 0 {
		fmt.Fprintln(os.Stderr, "FAIL: the contract harness validated zero exchanges")
		code = 1
	}
	if code == 0 && flagRunIsEmpty() && validatedExchanges.Load() == 0 {
		fmt.Fprintln(os.Stderr, "FAIL: a full test run validated zero exchanges against the contracts")
		code = 1
	}
	os.Exit(code)
}

func flagRunIsEmpty() bool {
	f := flag.Lookup("test.run")
	return f == nil || f.Value.String() == ""
}

// TestContractsLoad makes a missing or unreadable contract a failure of its
// own, with the explanation from requireContracts.
func TestContractsLoad(t *testing.T) {
	cs := contract.Require(t)
	for _, tc := range []struct {
		method string
		path   string
		opID   string
	}{
		{"GET", "/api/v2/scripts", "GetScripts"},
		{"GET", "/api/v2/scripts/x/params", "GetScriptsIDParams"},
		{"GET", "/api/v2/functions/x/invoke", "GetFunctionsIDInvoke"},
		{"GET", "/api/v2/orgs", "GetOrgs"},
		{"GET", "/ping", "GetPing"},
		{"GET", "/api/v2/tasks", "GetTasks"},
		{"PATCH", "/api/v2/tasks/x", "PatchTasksID"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		route, err := cs.FindRoute(req)
		if err != nil || route.OperationID() != tc.opID {
			t.Errorf("%s %s: route %v, err %v; want operation %s", tc.method, tc.path, route, err, tc.opID)
		}
	}
	if _, err := cs.FindRoute(httptest.NewRequest("GET", "/api/v2/buckets", nil)); !errors.Is(err, contract.ErrUncovered) {
		t.Errorf("GET /api/v2/buckets: err %v, want ErrUncovered", err)
	}
}

// recordingTB captures what the validator reports instead of failing.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestValidatorCatchesViolations proves the harness is not a rubber stamp:
// a fake server answering against the contract must be reported.
func TestValidatorCatchesViolations(t *testing.T) {
	cs := contract.Require(t)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v2/scripts/abc": // Script without the required orgID
			_, _ = io.WriteString(w, `{"id":"abc","name":"n","script":"s"}`)
		case "/api/v2/scripts": // error code outside the enum
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"code":"duplicate","message":"x"}`)
		case "/api/v2/functions/abc": // functions errors need a message
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"code":"not found"}`)
		case "/api/v2/scripts/abc/params": // type outside the enum
			_, _ = io.WriteString(w, `{"params":{"x":"number"}}`)
		default:
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer fake.Close()
	rec := &recordingTB{TB: t}
	client := &http.Client{Transport: &validatingTransport{t: rec, base: http.DefaultTransport, cs: cs}}
	for _, tc := range []struct {
		method, path, body string
		exp                expectation
	}{
		{"GET", "/api/v2/scripts/abc", "", expectation{}},
		{"POST", "/api/v2/scripts", `{"name":"n","description":"d","script":"s","language":"flux"}`, expectation{}},
		{"GET", "/api/v2/functions/abc", "", expectation{}},
		{"GET", "/api/v2/scripts/abc/params", "", expectation{}},
		{"POST", "/api/v2/scripts", `{"name":"n"}`, expectation{}},                // request lacks required fields
		{"GET", "/api/v2/scripts?limit=9", "", expectation{invalidRequest: true}}, // claims invalid, is valid
		{"GET", "/api/v2/buckets", "", expectation{}},                             // no contract covers it
		{"GET", "/api/v2/scripts/abc", "", expectation{uncontracted: true}},       // claims uncontracted
	} {
		rec.errs = nil
		req, _ := http.NewRequestWithContext(withExpectation(context.Background(), tc.exp), tc.method, fake.URL+tc.path, strings.NewReader(tc.body))
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		resp.Body.Close()
		if len(rec.errs) == 0 {
			t.Errorf("%s %s %s: the validator reported nothing", tc.method, tc.path, tc.body)
		}
	}
}
