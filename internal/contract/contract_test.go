package contract_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/contract"
)

const (
	validScript = `{"id":"0a1b2c3d4e5f6071","orgID":"0a1b2c3d4e5f6071","name":"n","script":"s","description":"","language":"flux",` +
		`"createdAt":"2024-01-02T03:04:05.000000Z","updatedAt":"2024-01-02T03:04:05.000000Z"}`
	createBody = `{"name":"n","description":"d","script":"s","language":"flux"}`
)

func TestLoadAndRoute(t *testing.T) {
	cs := contract.Require(t)
	for _, tc := range []struct{ method, path, opID string }{
		{"GET", "/api/v2/scripts", "GetScripts"},
		{"POST", "/api/v2/scripts", "PostScripts"},
		{"PATCH", "/api/v2/scripts/abc", "PatchScriptsID"},
		{"GET", "/api/v2/scripts/abc/params", "GetScriptsIDParams"},
		{"POST", "/api/v2/functions/abc/invoke", "PostFunctionsIDInvoke"},
		{"GET", "/api/v2/orgs", "GetOrgs"},
		{"HEAD", "/ping", "HeadPing"},
	} {
		route, err := cs.FindRoute(httptest.NewRequest(tc.method, tc.path, nil))
		if err != nil || route.OperationID() != tc.opID {
			t.Errorf("%s %s: %v, %v; want %s", tc.method, tc.path, route, err, tc.opID)
		}
	}
	for _, p := range []string{"/health", "/_emulator/stats", "/api/v2/buckets", "/api/v2", "/api/v2/scriptsx"} {
		if cs.Covers(p) {
			t.Errorf("%s: covered", p)
		}
		if _, err := cs.FindRoute(httptest.NewRequest("GET", p, nil)); !errors.Is(err, contract.ErrUncovered) {
			t.Errorf("%s: err %v, want ErrUncovered", p, err)
		}
	}
	// Covered, but no such operation.
	for _, tc := range []struct{ method, path string }{{"PUT", "/api/v2/scripts"}, {"GET", "/api/v2/functions/x/params"}} {
		if !cs.Covers(tc.path) {
			t.Errorf("%s: not covered", tc.path)
		}
		if _, err := cs.FindRoute(httptest.NewRequest(tc.method, tc.path, nil)); err == nil || errors.Is(err, contract.ErrUncovered) {
			t.Errorf("%s %s: err %v, want no operation", tc.method, tc.path, err)
		}
	}
	if _, err := contract.Load(t.TempDir()); err == nil {
		t.Error("Load of an empty directory succeeded")
	}
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json; charset=utf-8"}}
}

func TestCheck(t *testing.T) {
	cs := contract.Require(t)
	req := func(method, target, accept string) *http.Request {
		r := httptest.NewRequest(method, target, nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		if method == "POST" || method == "PATCH" {
			r.Header.Set("Content-Type", "application/json")
		}
		return r
	}
	gateway400 := `{"code":3,"message":"parsing field \"limit\": strconv.ParseUint: parsing \"x\": invalid syntax","details":[]}`
	csv := http.Header{"Content-Type": {"text/csv; charset=utf-8"}}
	for _, tc := range []struct {
		name   string
		ex     contract.Exchange
		parts  []string // the parts that break, in order
		undocu bool     // the response error wraps ErrUndocumentedStatus
	}{
		{name: "valid get", ex: contract.Exchange{Request: req("GET", "/api/v2/scripts/abc", ""), Responded: true, Status: 200, Header: jsonHeader(), Body: []byte(validScript)}},
		{name: "valid create", ex: contract.Exchange{Request: req("POST", "/api/v2/scripts", ""), RequestBody: []byte(createBody), Responded: true, Status: 201, Header: jsonHeader(), Body: []byte(validScript)}},
		{name: "no response", ex: contract.Exchange{Request: req("POST", "/api/v2/scripts", ""), RequestBody: []byte(createBody)}},
		{name: "uncovered", ex: contract.Exchange{Request: req("GET", "/health", ""), Responded: true, Status: 418}},
		{name: "script without orgID", ex: contract.Exchange{Request: req("GET", "/api/v2/scripts/abc", ""), Responded: true, Status: 200, Header: jsonHeader(), Body: []byte(`{"id":"abc","name":"n","script":"s"}`)}, parts: []string{contract.PartResponse}},
		{name: "create without fields", ex: contract.Exchange{Request: req("POST", "/api/v2/scripts", ""), RequestBody: []byte(`{"name":"n"}`), Responded: true, Status: 201, Header: jsonHeader(), Body: []byte(`{}`)}, parts: []string{contract.PartRequest, contract.PartResponse}},
		{name: "no such operation", ex: contract.Exchange{Request: req("PUT", "/api/v2/scripts", ""), Responded: true, Status: 405}, parts: []string{contract.PartRoute}},
		{name: "error code outside the enum", ex: contract.Exchange{Request: req("GET", "/api/v2/scripts/abc", ""), Responded: true, Status: 404, Header: jsonHeader(), Body: []byte(`{"code":"gone","message":"x"}`)}, parts: []string{contract.PartResponse}},
		{name: "fault under default", ex: contract.Exchange{Request: req("GET", "/api/v2/scripts", ""), Responded: true, Status: 503, Header: jsonHeader(), Body: []byte(`{"code":"unavailable","message":"m"}`)}},
		{name: "undocumented status", ex: contract.Exchange{Request: req("GET", "/ping", ""), Responded: true, Status: 503, Header: jsonHeader(), Body: []byte(`{"code":"unavailable","message":"m"}`)}, parts: []string{contract.PartResponse}, undocu: true},
		{name: "gateway 400 allowed", ex: contract.Exchange{Request: req("GET", "/api/v2/scripts?limit=x", ""), Responded: true, Status: 400, Header: jsonHeader(), Body: []byte(gateway400)}, parts: []string{contract.PartRequest}},
		{name: "gateway shape elsewhere", ex: contract.Exchange{Request: req("GET", "/api/v2/scripts/abc", ""), Responded: true, Status: 400, Header: jsonHeader(), Body: []byte(gateway400)}, parts: []string{contract.PartResponse}},
		{name: "gateway shape with another status", ex: contract.Exchange{Request: req("GET", "/api/v2/scripts", ""), Responded: true, Status: 422, Header: jsonHeader(), Body: []byte(gateway400)}, parts: []string{contract.PartResponse}},
		{name: "csv invoke asked for", ex: contract.Exchange{Request: req("GET", "/api/v2/functions/abc/invoke", "application/csv"), Responded: true, Status: 200, Header: csv, Body: []byte(",result,table\r\n")}},
		{name: "csv invoke not asked for", ex: contract.Exchange{Request: req("GET", "/api/v2/functions/abc/invoke", "application/json"), Responded: true, Status: 200, Header: csv, Body: []byte(",result,table\r\n")}, parts: []string{contract.PartResponse}},
		{name: "csv invoke ranked first", ex: contract.Exchange{Request: req("GET", "/api/v2/functions/abc/invoke", "application/json;q=0.5, text/csv"), Responded: true, Status: 200, Header: csv, Body: []byte(",result,table\r\n")}},
		{name: "csv invoke accepted but JSON preferred", ex: contract.Exchange{Request: req("GET", "/api/v2/functions/abc/invoke", "application/json, application/csv;q=0.9, text/csv;q=0.9"), Responded: true, Status: 200, Header: csv, Body: []byte(",result,table\r\n")}, parts: []string{contract.PartResponse}},
		{name: "csv invoke on a wildcard", ex: contract.Exchange{Request: req("GET", "/api/v2/functions/abc/invoke", "*/*"), Responded: true, Status: 200, Header: csv, Body: []byte(",result,table\r\n")}, parts: []string{contract.PartResponse}},
		{name: "csv on scripts list", ex: contract.Exchange{Request: req("GET", "/api/v2/scripts", "text/csv"), Responded: true, Status: 200, Header: csv, Body: []byte(",result,table\r\n")}, parts: []string{contract.PartResponse}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := cs.Check(context.Background(), &tc.ex)
			var parts []string
			for _, v := range vs {
				parts = append(parts, v.Part)
				if v.Exchange != &tc.ex || v.Error() == "" || v.Unwrap() == nil {
					t.Errorf("incomplete violation %+v", v)
				}
				if v.Part == contract.PartResponse && errors.Is(v, contract.ErrUndocumentedStatus) != tc.undocu {
					t.Errorf("ErrUndocumentedStatus: %v, want %v (%v)", !tc.undocu, tc.undocu, v)
				}
			}
			if strings.Join(parts, ",") != strings.Join(tc.parts, ",") {
				t.Errorf("broken parts %v, want %v: %v", parts, tc.parts, vs)
			}
		})
	}
}

// recorded collects what Validate reports.
type recorded struct {
	mu   sync.Mutex
	errs []*contract.Violation
}

func (r *recorded) report(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var v *contract.Violation
	if !errors.As(err, &v) {
		panic("Validate reported something that is not a *Violation: " + err.Error())
	}
	r.errs = append(r.errs, v)
}

func (r *recorded) take() []*contract.Violation {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.errs
	r.errs = nil
	return out
}

func parts(vs []*contract.Violation) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Part)
	}
	return strings.Join(out, ",")
}

// serve runs h behind Validate on a real listener.
func serve(t *testing.T, h http.HandlerFunc) (*httptest.Server, *recorded) {
	t.Helper()
	rec := &recorded{}
	srv := httptest.NewServer(contract.Validate(contract.Require(t), h, rec.report))
	t.Cleanup(srv.Close)
	return srv, rec
}

func send(t *testing.T, ctx context.Context, method, url, body string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// The middleware passes requests and responses through unchanged and
// reports what breaks the contract.
func TestValidatePassesThroughAndReports(t *testing.T) {
	var mode atomic.Value
	srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", string(b))
		switch mode.Load() {
		case "good":
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, validScript)
		case "bad":
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id":"x"}`)
		case "nothing": // an implicit empty 200 is not a Script
		}
	})
	mode.Store("good")
	resp, body, err := send(t, context.Background(), "POST", srv.URL+"/api/v2/scripts", createBody)
	if err != nil || resp.StatusCode != 201 || body != validScript || resp.Header.Get("X-Echo") != createBody {
		t.Fatalf("passed through as %v %v %q %q", err, resp, body, resp.Header.Get("X-Echo"))
	}
	if got := rec.take(); len(got) != 0 {
		t.Errorf("valid exchange reported: %v", got)
	}

	mode.Store("bad")
	if _, _, err := send(t, context.Background(), "POST", srv.URL+"/api/v2/scripts", `{"name":"n"}`); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); parts(got) != "request,response" || got[0].Operation != "PostScripts" ||
		string(got[0].Exchange.RequestBody) != `{"name":"n"}` || got[1].Exchange.Status != 201 || string(got[1].Exchange.Body) != `{"id":"x"}` {
		t.Errorf("reported %v", got)
	}

	mode.Store("nothing")
	if _, _, err := send(t, context.Background(), "GET", srv.URL+"/api/v2/scripts/abc", ""); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); parts(got) != "response" || got[0].Exchange.Status != 200 {
		t.Errorf("implicit 200: reported %v", got)
	}

	// Paths no contract covers are not checked at all.
	for _, p := range []string{"/health", "/_emulator/stats", "/api/v2/buckets"} {
		if _, _, err := send(t, context.Background(), "GET", srv.URL+p, ""); err != nil {
			t.Fatal(err)
		}
	}
	// A covered path with a method no operation has is.
	if _, _, err := send(t, context.Background(), "PUT", srv.URL+"/api/v2/scripts", "{}"); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); parts(got) != "route" {
		t.Errorf("uncovered and unknown operations: reported %v", got)
	}
}

// A streaming handler's flushes reach the client as they happen, and the
// whole body is checked at the end.
func TestValidateStreaming(t *testing.T) {
	next := make(chan struct{})
	release := sync.OnceFunc(func() { close(next) })
	srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = io.WriteString(w, ",result,table\r\n")
		w.(http.Flusher).Flush()
		<-next
		_, _ = io.WriteString(w, ",_result,0\r\n")
	})
	req, _ := http.NewRequest("POST", srv.URL+"/api/v2/scripts/abc/invoke", http.NoBody)
	t.Cleanup(release) // runs before the server's Close, which waits for the handler
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); err != nil || line != ",result,table\r\n" {
		t.Fatalf("first line %q, %v: the flush did not go through", line, err)
	}
	release()
	rest, _ := io.ReadAll(br)
	if string(rest) != ",_result,0\r\n" {
		t.Fatalf("rest %q", rest)
	}
	resp.Body.Close()
	if got := rec.take(); len(got) != 0 {
		t.Errorf("reported %v", got)
	}

	// A flush before anything else sends a 200, which is what is checked.
	srv2, rec2 := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
		_, _ = io.WriteString(w, `{"params":{"x":"nonsense"}}`)
	})
	if resp, _, err := send(t, context.Background(), "GET", srv2.URL+"/api/v2/scripts/abc/params", ""); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	if got := rec2.take(); parts(got) != "response" || got[0].Exchange.Status != 200 {
		t.Errorf("reported %v", got)
	}
}

// A dropped connection, an aborted handler and a client that gave up leave
// no response: only the request is checked.
func TestValidateWithoutResponse(t *testing.T) {
	srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("how") {
		case "hijack":
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			_ = conn.Close()
		case "abort":
			panic(http.ErrAbortHandler)
		case "wait":
			<-r.Context().Done()
		}
	})
	for _, how := range []string{"hijack", "abort", "wait"} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_, _, err := send(t, ctx, "POST", srv.URL+"/api/v2/scripts?how="+how, `{"name":"n"}`)
		cancel()
		if err == nil {
			t.Errorf("%s: the client got an answer", how)
		}
		var got []*contract.Violation
		for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			got = rec.take()
		}
		if parts(got) != "request" {
			t.Errorf("%s: reported %v, want the request alone", how, got)
		}
	}
}
