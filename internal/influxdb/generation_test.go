package influxdb

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

const catchAllHTML = "<!doctype html><html><head><title>InfluxDB</title></head><body><div id=\"root\"></div></body></html>"

func TestDetectGeneration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		api        API                                               // what the fake serves
		before     func(w http.ResponseWriter, r *http.Request) bool // extra behaviour
		orgID      string
		want       API
		wantProbes []string // paths probed, in order
	}{
		{name: "scripts", api: APIScripts, want: APIScripts, wantProbes: []string{"/api/v2/scripts"}},
		{name: "functions with org", api: APIFunctions, orgID: testOrgID, want: APIFunctions,
			wantProbes: []string{"/api/v2/scripts", "/api/v2/functions"}},
		{name: "functions without org (400)", api: APIFunctions, want: APIFunctions,
			wantProbes: []string{"/api/v2/scripts", "/api/v2/functions"}},
		{name: "scripts 405", api: APIFunctions, orgID: testOrgID, want: APIFunctions,
			before: func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/api/v2/scripts" {
					writeAPIError(w, http.StatusMethodNotAllowed, "method not allowed", "")
					return true
				}
				return false
			},
			wantProbes: []string{"/api/v2/scripts", "/api/v2/functions"}},
		{name: "html catch-all on scripts only", api: APIFunctions, orgID: testOrgID, want: APIFunctions,
			before: func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/api/v2/scripts" {
					w.Header().Set("Content-Type", "text/html")
					_, _ = io.WriteString(w, catchAllHTML)
					return true
				}
				return false
			},
			wantProbes: []string{"/api/v2/scripts", "/api/v2/functions"}},
		{name: "JSON without the list key on scripts", api: APIFunctions, orgID: testOrgID, want: APIFunctions,
			before: func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/api/v2/scripts" {
					writeJSON(w, 200, map[string]any{"status": "ok"})
					return true
				}
				return false
			},
			wantProbes: []string{"/api/v2/scripts", "/api/v2/functions"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, tc.api)
			if tc.before != nil {
				fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool { return tc.before(w, r) }
			}
			var logs logCapture
			c := newTestClient(t, fs.URL(), WithAPI(APIAuto), WithLogger(logs.fn, false))
			ctx := context.Background()
			caps, err := c.Capabilities(ctx, tc.orgID)
			if err != nil {
				t.Fatal(err)
			}
			if caps.API != tc.want {
				t.Fatalf("detected %q, want %q", caps.API, tc.want)
			}
			var probes []string
			for _, r := range fs.requests() {
				probes = append(probes, r.Path)
				if r.Method != http.MethodGet || r.Query.Get("limit") != "1" {
					t.Errorf("probe %s %s?%s, want a GET with limit=1", r.Method, r.Path, r.Query.Encode())
				}
				if r.Path == "/api/v2/functions" && r.Query.Get("orgID") != tc.orgID {
					t.Errorf("functions probe orgID = %q, want %q", r.Query.Get("orgID"), tc.orgID)
				}
				if r.Path == "/api/v2/scripts" && r.Query.Has("orgID") {
					t.Errorf("scripts probe carries orgID")
				}
			}
			if !slices.Equal(probes, tc.wantProbes) {
				t.Errorf("probes = %q, want %q", probes, tc.wantProbes)
			}
			// Cached: later calls do not probe again.
			if _, err := c.Capabilities(ctx, tc.orgID); err != nil {
				t.Fatal(err)
			}
			s := fs.add(Script{Name: "n", Script: "s"})
			if _, err := c.Get(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
			reqs := fs.requests()
			if len(reqs) != len(tc.wantProbes)+1 {
				t.Errorf("%d requests after detection and one Get, want %d", len(reqs), len(tc.wantProbes)+1)
			}
			if last := reqs[len(reqs)-1]; last.Path != "/api/v2/"+string(tc.want)+"/"+s.ID {
				t.Errorf("Get went to %s", last.Path)
			}
			if e := logs.withMsg("detected InfluxDB scripts API generation"); len(e) != 1 || e[0].fields["scripts_api"] != string(tc.want) {
				t.Errorf("detection log = %+v", e)
			}
		})
	}
}

func TestDetectFunctionsThenList(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIFunctions)
	fs.add(Script{Name: "a", Script: "s"})
	c := newTestClient(t, fs.URL(), WithAPI(APIAuto))
	got, err := c.List(context.Background(), ListOptions{OrgID: testOrgID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "a" {
		t.Errorf("List = %+v", got)
	}
	reqs := fs.requests()
	last := reqs[len(reqs)-1]
	if last.Path != "/api/v2/functions" || last.Query.Get("orgID") != testOrgID || last.Query.Get("limit") != "10" {
		t.Errorf("list request = %s?%s", last.Path, last.Query.Encode())
	}
}

func TestDetectFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		before      func(w http.ResponseWriter, r *http.Request) bool
		wantProbes  int
		wantUnauth  bool
		wantNoAPI   bool // ErrNoScriptsAPI
		wantContain []string
	}{
		{name: "neither generation",
			before: func(w http.ResponseWriter, r *http.Request) bool {
				writeAPIError(w, http.StatusNotFound, "not found", "path not found")
				return true
			},
			wantProbes: 2, wantNoAPI: true, wantContain: []string{"/api/v2/scripts", "/api/v2/functions", "neither", "url setting"}},
		{name: "html catch-all everywhere",
			before: func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, catchAllHTML)
				return true
			},
			wantProbes: 2, wantNoAPI: true, wantContain: []string{"/api/v2/scripts", "/api/v2/functions", "not the scripts API"}},
		{name: "401 on the scripts probe",
			before: func(w http.ResponseWriter, r *http.Request) bool {
				writeAPIError(w, http.StatusUnauthorized, "unauthorized", "unauthorized access")
				return true
			},
			wantProbes: 1, wantUnauth: true, wantContain: []string{"HTTP 401", "unauthorized access"}},
		{name: "401 on the functions probe",
			before: func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/api/v2/scripts" {
					writeAPIError(w, http.StatusNotFound, "not found", "")
				} else {
					writeAPIError(w, http.StatusUnauthorized, "unauthorized", "unauthorized access")
				}
				return true
			},
			wantProbes: 2, wantUnauth: true, wantContain: []string{"HTTP 401"}},
		{name: "server error",
			before: func(w http.ResponseWriter, r *http.Request) bool {
				writeAPIError(w, http.StatusInternalServerError, "internal error", "boom")
				return true
			},
			wantProbes: 1, wantContain: []string{"HTTP 500", "boom"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool { return tc.before(w, r) }
			c := newTestClient(t, fs.URL(), WithAPI(APIAuto))
			ctx := context.Background()
			for round := 1; round <= 2; round++ {
				_, err := c.Get(ctx, "abc")
				if err == nil {
					t.Fatal("Get succeeded")
				}
				assertNoToken(t, err)
				for _, want := range tc.wantContain {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
				if got := errors.Is(err, ErrNoScriptsAPI); got != tc.wantNoAPI {
					t.Errorf("errors.Is(err, ErrNoScriptsAPI) = %v, want %v (%v)", got, tc.wantNoAPI, err)
				}
				if tc.wantNoAPI && (IsNotFound(err) || errors.Is(err, ErrOrgNotFound)) {
					t.Errorf("a missing API reads as a missing script or organization: %v", err)
				}
				if got := IsUnauthorized(err); got != tc.wantUnauth {
					t.Errorf("IsUnauthorized = %v, want %v (%v)", got, tc.wantUnauth, err)
				}
				if tc.wantUnauth && strings.Contains(err.Error(), "neither") {
					t.Errorf("an auth failure reads as a detection failure: %v", err)
				}
				// Not cached: each call probes again, and no Get is sent.
				if n := len(fs.requests()); n != round*tc.wantProbes {
					t.Errorf("round %d: %d requests, want %d", round, n, round*tc.wantProbes)
				}
			}
			for _, r := range fs.requests() {
				if r.Path != "/api/v2/scripts" && r.Path != "/api/v2/functions" {
					t.Errorf("unexpected request to %s", r.Path)
				}
			}
		})
	}
}

// TestDetectWrongOrgOnFunctions: a functions-only server that answers 404
// to a list naming an organization the token cannot see is a wrong
// organization, not a server without the API. The list without the
// organization tells the two apart.
func TestDetectWrongOrgOnFunctions(t *testing.T) {
	t.Parallel()
	const wrongOrg = "00000000000000aa"
	cases := []struct {
		name        string
		routeServed bool // /api/v2/functions exists
		plainList   int  // status of the list without an organization
		wantOrg     bool
	}{
		{name: "org unknown, list without org served", routeServed: true, plainList: http.StatusOK, wantOrg: true},
		{name: "org unknown, list without org wants one (400)", routeServed: true, plainList: http.StatusBadRequest, wantOrg: true},
		{name: "no functions route at all", routeServed: false, wantOrg: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIFunctions)
			fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				switch {
				case r.URL.Path != "/api/v2/functions" || !tc.routeServed:
					writeAPIError(w, http.StatusNotFound, "not found", "path not found")
				case r.URL.Query().Get("orgID") == wrongOrg:
					writeAPIError(w, http.StatusNotFound, "not found", "organization not found")
				case !r.URL.Query().Has("orgID") && tc.plainList == http.StatusBadRequest:
					writeAPIError(w, http.StatusBadRequest, "invalid", "organization is required")
				default:
					writeJSON(w, http.StatusOK, map[string]any{"functions": []Script{}})
				}
				return true
			}
			c := newTestClient(t, fs.URL(), WithAPI(APIAuto))
			ctx := context.Background()
			_, err := c.Capabilities(ctx, wrongOrg)
			assertNoToken(t, err)
			if got := errors.Is(err, ErrOrgNotFound); got != tc.wantOrg {
				t.Errorf("errors.Is(err, ErrOrgNotFound) = %v, want %v (%v)", got, tc.wantOrg, err)
			}
			if got := errors.Is(err, ErrNoScriptsAPI); got == tc.wantOrg {
				t.Errorf("errors.Is(err, ErrNoScriptsAPI) = %v, want %v (%v)", got, !tc.wantOrg, err)
			}
			if IsNotFound(err) {
				t.Errorf("detection error reads as a missing script: %v", err)
			}
			if tc.wantOrg && !strings.Contains(err.Error(), wrongOrg) {
				t.Errorf("error %q does not name the organization", err)
			}
			var probes []string
			for _, r := range fs.requests() {
				probes = append(probes, r.Path+"?"+r.Query.Encode())
			}
			want := []string{"/api/v2/scripts?limit=1", "/api/v2/functions?limit=1&orgID=" + wrongOrg, "/api/v2/functions?limit=1"}
			if !slices.Equal(probes, want) {
				t.Errorf("probes = %q, want %q", probes, want)
			}

			// The generation learnt on the way is kept; a missing API is not.
			caps, err := c.Capabilities(ctx, testOrgID)
			n := len(fs.requests()) - len(want)
			switch {
			case tc.wantOrg && (err != nil || caps.API != APIFunctions || n != 0):
				t.Errorf("after a wrong organization: Capabilities = %+v, %v with %d more requests; want functions, kept", caps, err, n)
			case !tc.wantOrg && (err == nil || n == 0):
				t.Errorf("after no API: Capabilities = %+v, %v with %d more requests; want a new detection", caps, err, n)
			}
		})
	}
}

// TestDetectOnce: concurrent first calls share one detection.
func TestDetectOnce(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	c := newTestClient(t, fs.URL(), WithAPI(APIAuto))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.Capabilities(context.Background(), "")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(fs.requests()); n != 1 {
		t.Errorf("%d probes, want 1", n)
	}
}

func TestExplicitGenerationSkipsDetection(t *testing.T) {
	t.Parallel()
	for _, api := range []API{APIScripts, APIFunctions} {
		fs := newFakeServer(t, api)
		c := newTestClient(t, fs.URL(), WithAPI(api))
		caps, err := c.Capabilities(context.Background(), "")
		if err != nil || caps.API != api {
			t.Errorf("%s: Capabilities = %+v, %v", api, caps, err)
		}
		if n := len(fs.requests()); n != 0 {
			t.Errorf("%s: %d requests, want none", api, n)
		}
	}
}

func TestCapabilities(t *testing.T) {
	t.Parallel()
	want := map[API]Capabilities{
		APIScripts:   {API: APIScripts, Params: true, Languages: []string{"flux", "sql", "influxql"}},
		APIFunctions: {API: APIFunctions, Params: false, Languages: []string{"flux", "python"}},
	}
	for api, w := range want {
		c := newTestClient(t, "http://127.0.0.1:1", WithAPI(api))
		got, err := c.Capabilities(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		if got.API != w.API || got.Params != w.Params || !slices.Equal(got.Languages, w.Languages) {
			t.Errorf("%s: Capabilities = %+v, want %+v", api, got, w)
		}
		for _, l := range got.Languages {
			if !slices.Contains(AllLanguages, l) {
				t.Errorf("%s: language %q missing from AllLanguages", api, l)
			}
		}
		// The caller's copy is its own.
		got.Languages[0] = "cobol"
		again, _ := c.Capabilities(context.Background(), "")
		if again.Languages[0] == "cobol" {
			t.Errorf("%s: editing the returned languages changed the client's table", api)
		}
	}
}

func TestParamsUnsupportedOnFunctions(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIFunctions)
	c := newTestClient(t, fs.URL(), WithAPI(APIFunctions))
	_, err := c.Params(context.Background(), "abc")
	if !errors.Is(err, ErrParamsUnsupported) {
		t.Errorf("Params = %v, want ErrParamsUnsupported", err)
	}
	if n := len(fs.requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

func TestConfiguredAPIAndLanguagesOf(t *testing.T) {
	t.Parallel()
	for _, api := range []API{APIAuto, APIScripts, APIFunctions} {
		c := newTestClient(t, "http://127.0.0.1:1", WithAPI(api))
		if got := c.ConfiguredAPI(); got != api {
			t.Errorf("ConfiguredAPI = %q, want %q", got, api)
		}
	}
	if got := LanguagesOf(APIScripts); !slices.Equal(got, []string{"flux", "sql", "influxql"}) {
		t.Errorf("LanguagesOf(scripts) = %q", got)
	}
	if got := LanguagesOf(APIFunctions); !slices.Equal(got, []string{"flux", "python"}) {
		t.Errorf("LanguagesOf(functions) = %q", got)
	}
	if got := LanguagesOf(APIAuto); !slices.Equal(got, AllLanguages) {
		t.Errorf("LanguagesOf(auto) = %q, want every language", got)
	}
}

// TestDetectionErrorReachesEveryCall: each call that needs the generation
// reports a failed detection as it is, and sends nothing else.
func TestDetectionErrorReachesEveryCall(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		writeAPIError(w, http.StatusUnauthorized, "unauthorized", "unauthorized access")
		return true
	}
	c := newTestClient(t, fs.URL(), WithAPI(APIAuto))
	ctx := context.Background()
	calls := map[string]func() error{
		"list":     func() error { _, err := c.List(ctx, ListOptions{}); return err },
		"list all": func() error { _, err := c.ListAll(ctx, ListOptions{}, 0); return err },
		"get":      func() error { _, err := c.Get(ctx, "abc"); return err },
		"create":   func() error { _, err := c.Create(ctx, ScriptCreate{Name: "n"}); return err },
		"update":   func() error { _, err := c.Update(ctx, "abc", ScriptUpdate{}); return err },
		"delete":   func() error { return c.Delete(ctx, "abc") },
		"params":   func() error { _, err := c.Params(ctx, "abc"); return err },
		"invoke":   func() error { _, err := c.Invoke(ctx, "abc", nil); return err },
	}
	for name, call := range calls {
		before := len(fs.requests())
		if err := call(); !IsUnauthorized(err) {
			t.Errorf("%s = %v, want the probe's 401", name, err)
		}
		reqs := fs.requests()[before:]
		if len(reqs) != 1 || reqs[0].Path != "/api/v2/scripts" || reqs[0].Query.Get("limit") != "1" {
			t.Errorf("%s sent %+v, want only the probe", name, reqs)
		}
	}
}
