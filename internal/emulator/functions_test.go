package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

func functionBody(name string, set map[string]any) map[string]any {
	b := map[string]any{"name": name, "orgID": emulator.DefaultOrgID, "script": "from(bucket: params.bucket) |> limit(n: params.n)", "language": "flux"}
	for k, v := range set {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return b
}

func (h *harness) createFunction(name string) wireScript {
	h.t.Helper()
	r := h.expect(call{method: "POST", path: "/api/v2/functions", body: functionBody(name, nil)}, http.StatusCreated)
	return decodeJSON[wireScript](h.t, r)
}

func TestFunctionsLifecycle(t *testing.T) {
	h := newHarness(t, emulator.Options{APIs: emulator.APIsFunctions})
	f := h.createFunction("fn1")
	if !idPattern.MatchString(f.ID) || f.OrgID != emulator.DefaultOrgID || f.Description != "" ||
		!timePattern.MatchString(f.CreatedAt) || f.CreatedAt != f.UpdatedAt || f.URL != nil {
		t.Errorf("created %+v", f)
	}
	py := decodeJSON[wireScript](t, h.expect(call{method: "POST", path: "/api/v2/functions",
		body: functionBody("py", map[string]any{"language": "python", "description": "d"})}, http.StatusCreated))
	if py.Language != "python" || py.Description != "d" {
		t.Errorf("python function %+v", py)
	}

	for _, q := range []string{"", "?orgID=" + emulator.DefaultOrgID, "?org=" + emulator.DefaultOrgName, "?limit=1&offset=1"} {
		r := h.expect(call{method: "GET", path: "/api/v2/functions" + q}, http.StatusOK)
		got := decodeJSON[struct{ Functions []wireScript }](t, r).Functions
		want := []string{"py", "fn1"}
		if q == "?limit=1&offset=1" {
			want = []string{"fn1"}
		}
		if len(got) != len(want) {
			t.Fatalf("%q listed %v", q, got)
		}
		for i := range want {
			if got[i].Name != want[i] {
				t.Errorf("%q: position %d is %s, want %s", q, i, got[i].Name, want[i])
			}
		}
	}

	if got := decodeJSON[wireScript](t, h.expect(call{method: "GET", path: "/api/v2/functions/" + f.ID}, 200)); got != f {
		t.Errorf("get %+v want %+v", got, f)
	}
	// PATCH may rename here, unlike /scripts.
	renamed := decodeJSON[wireScript](t, h.expect(call{method: "PATCH", path: "/api/v2/functions/" + f.ID,
		body: map[string]any{"name": "fn1-renamed", "description": "nd", "script": "ns"}}, http.StatusOK))
	if renamed.Name != "fn1-renamed" || renamed.Description != "nd" || renamed.Script != "ns" || renamed.UpdatedAt <= f.UpdatedAt {
		t.Errorf("patched %+v", renamed)
	}
	// Renaming onto a taken name is the create conflict; renaming onto its
	// own name is fine.
	expectError(t, h.do(call{method: "PATCH", path: "/api/v2/functions/" + f.ID, body: map[string]any{"name": "py"}}),
		422, "conflict", "uniqueness violation")
	h.expect(call{method: "PATCH", path: "/api/v2/functions/" + f.ID, body: map[string]any{"name": "fn1-renamed"}}, 200)
	// An empty description clears it; an empty name or script is ignored.
	cleared := decodeJSON[wireScript](t, h.expect(call{method: "PATCH", path: "/api/v2/functions/" + f.ID,
		body: map[string]any{"name": "", "description": "", "script": ""}}, http.StatusOK))
	if cleared.Name != "fn1-renamed" || cleared.Description != "" || cleared.Script != "ns" || cleared.UpdatedAt <= renamed.UpdatedAt {
		t.Errorf("clearing the description: %+v (before %+v)", cleared, renamed)
	}
	if again := decodeJSON[wireScript](t, h.expect(call{method: "PATCH", path: "/api/v2/functions/" + f.ID,
		body: map[string]any{"description": ""}}, http.StatusOK)); again != cleared {
		t.Errorf("clearing an empty description = %+v, want no change %+v", again, cleared)
	}

	h.expect(call{method: "DELETE", path: "/api/v2/functions/" + f.ID}, http.StatusNoContent)
	h.expect(call{method: "DELETE", path: "/api/v2/functions/" + f.ID}, http.StatusNoContent)
	for _, c := range []call{
		{method: "GET", path: "/api/v2/functions/" + f.ID},
		{method: "PATCH", path: "/api/v2/functions/" + f.ID, body: map[string]any{"description": "x"}},
		{method: "POST", path: "/api/v2/functions/" + f.ID + "/invoke"},
		{method: "GET", path: "/api/v2/functions/" + f.ID + "/invoke"},
	} {
		expectError(t, h.do(c), 404, "not found", `function "`+f.ID+`" not found`)
	}
	// No /params in this generation.
	expectError(t, h.do(call{method: "GET", path: "/api/v2/functions/" + py.ID + "/params", expectation: expectation{uncontracted: true}}),
		404, "not found", "path not found")
}

// TestFunctionsListIgnoresName: the functions contract documents no name
// query parameter, so ?name= is ignored as an unknown parameter, while the
// scripts generation (served beside it) filters by it.
func TestFunctionsListIgnoresName(t *testing.T) {
	h := newHarness(t, emulator.Options{APIs: emulator.APIsBoth})
	h.createFunction("alpha")
	h.createFunction("beta")
	names := func(r reply, key string) []string {
		var page map[string][]wireScript
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatalf("decoding %s: %v", r.body, err)
		}
		out := []string{}
		for _, s := range page[key] {
			out = append(out, s.Name)
		}
		return out
	}
	for _, q := range []string{"?name=alpha", "?name=nope", "?name=", "?name=alpha&orgID=" + emulator.DefaultOrgID} {
		r := h.expect(call{method: "GET", path: "/api/v2/functions" + q}, http.StatusOK)
		if got := names(r, "functions"); !slices.Equal(got, []string{"beta", "alpha"}) {
			t.Errorf("GET /functions%s listed %v, want every function", q, got)
		}
	}
	r := h.expect(call{method: "GET", path: "/api/v2/functions?name=alpha&limit=1&offset=1"}, http.StatusOK)
	if got := names(r, "functions"); !slices.Equal(got, []string{"alpha"}) {
		t.Errorf("paging with ?name= listed %v, want the second function", got)
	}
	r = h.expect(call{method: "GET", path: "/api/v2/scripts?name=alpha"}, http.StatusOK)
	if got := names(r, "scripts"); !slices.Equal(got, []string{"alpha"}) {
		t.Errorf("GET /scripts?name=alpha listed %v, want the filter applied", got)
	}
}

func TestFunctionsValidation(t *testing.T) {
	h := newHarness(t, emulator.Options{APIs: emulator.APIsFunctions})
	taken := h.createFunction("taken")
	snapshot := func() string {
		return string(h.expect(call{method: "GET", path: "/api/v2/functions?limit=500"}, 200).body)
	}
	before := snapshot()
	orgNotFound := "failed to decode request body: organization not found"
	for _, tc := range []struct {
		name    string
		method  string
		path    string
		body    any
		invalid bool
		status  int
		code    string
		message string
	}{
		{"missing orgID", "POST", "/api/v2/functions", functionBody("n", map[string]any{"orgID": nil}), true, 400, "invalid", `"orgID" is required`},
		{"missing name", "POST", "/api/v2/functions", functionBody("n", map[string]any{"name": nil}), true, 400, "invalid", `"name" is required`},
		{"missing script", "POST", "/api/v2/functions", functionBody("n", map[string]any{"script": nil}), true, 400, "invalid", `"script" is required`},
		{"missing language", "POST", "/api/v2/functions", functionBody("n", map[string]any{"language": nil}), true, 400, "invalid", `"language" is required`},
		{"other orgID", "POST", "/api/v2/functions", functionBody("n", map[string]any{"orgID": "ffffffffffffffff"}), false, 400, "invalid", orgNotFound},
		{"sql language", "POST", "/api/v2/functions", functionBody("n", map[string]any{"language": "sql"}), true, 400, "invalid", `unsupported language "sql": must be one of python, flux`},
		{"influxql language", "POST", "/api/v2/functions", functionBody("n", map[string]any{"language": "influxql"}), true, 400, "invalid", ""},
		{"duplicate", "POST", "/api/v2/functions", functionBody("taken", nil), false, 422, "conflict", "uniqueness violation"},
		{"malformed", "POST", "/api/v2/functions", `{"name":`, true, 400, "invalid", ""},
		{"list unknown orgID", "GET", "/api/v2/functions?orgID=ffffffffffffffff", nil, false, 404, "not found", "organization not found"},
		{"list unknown org", "GET", "/api/v2/functions?org=someone-else", nil, false, 404, "not found", `organization name "someone-else" not found`},
		{"list limit -1", "GET", "/api/v2/functions?limit=-1", nil, false, 400, "invalid", `parsing field "limit": strconv.ParseUint: parsing "-1": invalid syntax`},
		{"list offset abc", "GET", "/api/v2/functions?offset=abc", nil, true, 400, "invalid", `parsing field "offset": strconv.ParseUint: parsing "abc": invalid syntax`},
		{"patch wrong type", "PATCH", "/api/v2/functions/" + taken.ID, map[string]any{"name": 1}, true, 400, "invalid", `failed to decode request body: field "name" has the wrong type (got JSON number)`},
		{"patch unknown id", "PATCH", "/api/v2/functions/0000000000000000", map[string]any{"name": "x"}, false, 404, "not found", `function "0000000000000000" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			expectError(t, h.do(call{method: tc.method, path: tc.path, body: tc.body, expectation: expectation{invalidRequest: tc.invalid}}),
				tc.status, tc.code, tc.message)
			if after := snapshot(); after != before {
				t.Errorf("store changed")
			}
		})
	}
}

// TestFunctionsListOrgAnswers: an organization that does not exist is the
// Cloud reference's 404, one that exists but does not own the token its 400.
func TestFunctionsListOrgAnswers(t *testing.T) {
	opts := twoOrgs()
	opts.APIs = emulator.APIsFunctions
	h := newHarness(t, opts)
	for _, tc := range []struct {
		query   string
		status  int
		code    string
		message string
	}{
		{"?orgID=aaaaaaaaaaaaaaaa", 200, "", ""},
		{"?org=org-a", 200, "", ""},
		{"?orgID=bbbbbbbbbbbbbbbb", 400, "invalid", "failed to decode request body: organization not found"},
		{"?org=org-b", 400, "invalid", "failed to decode request body: organization not found"},
		{"?orgID=cccccccccccccccc", 404, "not found", "organization not found"},
		{"?org=org-c", 404, "not found", `organization name "org-c" not found`},
		{"?orgID=aaaaaaaaaaaaaaaa&org=org-b", 400, "invalid", "failed to decode request body: organization not found"},
	} {
		r := h.do(call{method: "GET", path: "/api/v2/functions" + tc.query, token: "token-a1"})
		if tc.status == 200 {
			if r.status != 200 {
				t.Errorf("%s: HTTP %d %s", tc.query, r.status, r.body)
			}
			continue
		}
		expectError(t, r, tc.status, tc.code, tc.message)
	}
}

// TestFunctionsListLimit: the functions contract sets no maximum limit.
func TestFunctionsListLimit(t *testing.T) {
	h := newHarness(t, emulator.Options{APIs: emulator.APIsFunctions})
	for i := range 3 {
		h.createFunction(fmt.Sprintf("f%d", i))
	}
	for _, q := range []string{"?limit=501", "?limit=100000", "?limit=9999999999"} {
		r := h.expect(call{method: "GET", path: "/api/v2/functions" + q}, 200)
		if got := decodeJSON[struct{ Functions []wireScript }](t, r).Functions; len(got) != 3 {
			t.Errorf("%s listed %d functions, want 3", q, len(got))
		}
	}
}

func TestFunctionsInvoke(t *testing.T) {
	h := newHarness(t, emulator.Options{APIs: emulator.APIsFunctions})
	f := h.createFunction("inv")
	path := "/api/v2/functions/" + f.ID + "/invoke"

	r := h.expect(call{method: "POST", path: path, body: map[string]any{"params": map[string]any{"n": 5, "bucket": "b"}}}, 200)
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if got, want := string(r.body), `{"result":[{"param":"bucket","value":"b"},{"param":"n","value":5}]}`+"\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	// GET takes the parameters from the query string, as strings.
	r = h.expect(call{method: "GET", path: path + "?n=5&bucket=b"}, 200)
	if got, want := string(r.body), `{"result":[{"param":"bucket","value":"b"},{"param":"n","value":"5"}]}`+"\n"; got != want {
		t.Errorf("GET body %q, want %q", got, want)
	}
	// An Accept that prefers CSV gets the scripts-style CSV; one that ranks
	// JSON at least as high (such as the provider's) gets the contract's JSON.
	for _, accept := range []string{"application/csv", "text/csv", "application/json;q=0.5, application/csv"} {
		for _, c := range []call{
			{method: "POST", path: path, body: map[string]any{"params": map[string]any{"n": 5, "bucket": "b"}}},
			{method: "GET", path: path + "?n=5&bucket=b"},
		} {
			c.header = map[string]string{"Accept": accept}
			r = h.expect(c, 200)
			if want := ",result,table,param,value\r\n,_result,0,bucket,b\r\n,_result,0,n,5\r\n"; string(r.body) != want || r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Errorf("%s with Accept %q: %q (%s), want CSV", c.method, accept, r.body, r.header.Get("Content-Type"))
			}
		}
	}
	for _, accept := range []string{"application/json, application/csv;q=0.9, text/csv;q=0.9", "text/csv, application/json", "*/*"} {
		c := call{method: "POST", path: path, body: map[string]any{"params": map[string]any{"n": 5, "bucket": "b"}}, header: map[string]string{"Accept": accept}}
		r = h.expect(c, 200)
		if want := `{"result":[{"param":"bucket","value":"b"},{"param":"n","value":5}]}` + "\n"; string(r.body) != want || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("Accept %q: %q (%s), want JSON", accept, r.body, r.header.Get("Content-Type"))
		}
	}
	for _, c := range []call{
		{method: "POST", path: path, body: map[string]any{"params": map[string]any{"bucket": "b"}}},
		{method: "POST", path: path},
		{method: "GET", path: path + "?bucket=b"},
	} {
		expectError(t, h.do(c), 400, "invalid", "invalid parameters provided")
	}
}

// TestAPIsSwitch checks which generation answers in each mode.
func TestAPIsSwitch(t *testing.T) {
	for _, mode := range []string{"", emulator.APIsScripts, emulator.APIsFunctions, emulator.APIsBoth} {
		t.Run("mode="+mode, func(t *testing.T) {
			h := newHarness(t, emulator.Options{APIs: mode})
			scripts := mode != emulator.APIsFunctions
			functions := mode == emulator.APIsFunctions || mode == emulator.APIsBoth

			want := func(served bool, ok int) int {
				if served {
					return ok
				}
				return http.StatusNotFound
			}
			var id string
			r := h.do(call{method: "POST", path: "/api/v2/scripts", body: map[string]any{"name": "s", "description": "d", "script": "from(bucket: params.bucket)", "language": "flux"}})
			if r.status != want(scripts, 201) {
				t.Fatalf("POST /scripts: %d", r.status)
			}
			if scripts {
				id = decodeJSON[wireScript](t, r).ID
			}
			r = h.do(call{method: "POST", path: "/api/v2/functions", body: functionBody("f", nil)})
			if r.status != want(functions, 201) {
				t.Fatalf("POST /functions: %d", r.status)
			}
			if !scripts {
				id = decodeJSON[wireScript](t, r).ID
			}
			for _, c := range []struct {
				call
				served bool
				ok     int
			}{
				{call{method: "GET", path: "/api/v2/scripts"}, scripts, 200},
				{call{method: "GET", path: "/api/v2/scripts/" + id}, scripts, 200},
				{call{method: "PATCH", path: "/api/v2/scripts/" + id, body: map[string]any{}}, scripts, 200},
				{call{method: "GET", path: "/api/v2/scripts/" + id + "/params"}, scripts, 200},
				{call{method: "POST", path: "/api/v2/scripts/" + id + "/invoke", body: map[string]any{"params": map[string]any{"bucket": "b", "n": 1}}}, scripts, 200},
				{call{method: "GET", path: "/api/v2/functions"}, functions, 200},
				{call{method: "GET", path: "/api/v2/functions/" + id}, functions, 200},
				{call{method: "PATCH", path: "/api/v2/functions/" + id, body: map[string]any{}}, functions, 200},
				{call{method: "GET", path: "/api/v2/functions/" + id + "/invoke?bucket=b&n=1"}, functions, 200},
				{call{method: "POST", path: "/api/v2/functions/" + id + "/invoke", body: map[string]any{"params": map[string]any{"bucket": "b", "n": 1}}}, functions, 200},
				{call{method: "GET", path: "/api/v2/orgs"}, true, 200},
				{call{method: "DELETE", path: "/api/v2/functions/" + id}, functions, 204},
				{call{method: "DELETE", path: "/api/v2/scripts/" + id}, scripts, 204},
			} {
				r := h.do(c.call)
				if r.status != want(c.served, c.ok) {
					t.Errorf("%s %s: %d, want %d (%s)", c.method, c.path, r.status, want(c.served, c.ok), r.body)
				}
				if !c.served {
					expectError(t, r, 404, "not found", "path not found")
				}
			}
			// In "both" one store serves both generations.
			if mode == emulator.APIsBoth {
				if n := h.srv.ScriptCount(emulator.DefaultOrgID); n != 1 {
					t.Errorf("ScriptCount %d after deleting through one generation, want 1", n)
				}
			}
			st := h.srv.Stats()
			if !scripts && st["GET /api/v2/scripts"] != 0 {
				t.Errorf("a generation that is not served must count as unknown: %v", st)
			}
			if !scripts && st["GET unknown"] == 0 || !functions && st["GET unknown"] == 0 {
				t.Errorf("unserved routes not counted as unknown: %v", st)
			}
		})
	}
}

func TestBothGenerationsShareStore(t *testing.T) {
	h := newHarness(t, emulator.Options{APIs: emulator.APIsBoth})
	s := h.createScript("via-scripts", "x")
	f := decodeJSON[wireScript](t, h.expect(call{method: "GET", path: "/api/v2/functions/" + s.ID}, 200))
	if f != s {
		t.Errorf("function view %+v differs from script %+v", f, s)
	}
	// The name is unique across both generations.
	expectError(t, h.do(call{method: "POST", path: "/api/v2/functions", body: functionBody("via-scripts", nil)}), 422, "conflict", "uniqueness violation")
	fn := h.createFunction("via-functions")
	h.expect(call{method: "GET", path: "/api/v2/scripts/" + fn.ID}, 200)
	r := h.expect(call{method: "GET", path: "/api/v2/scripts"}, 200)
	if n := len(decodeJSON[struct{ Scripts []wireScript }](t, r).Scripts); n != 2 {
		t.Errorf("listed %d, want 2", n)
	}
	if got := fmt.Sprint(h.srv.ScriptNames(emulator.DefaultOrgID)); got != "[via-functions via-scripts]" {
		t.Errorf("names %s", got)
	}
}
