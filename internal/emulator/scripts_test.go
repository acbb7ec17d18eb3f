package emulator_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

var (
	idPattern   = regexp.MustCompile(`^[0-9a-f]{16}$`)
	timePattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
)

// frozenClock is an Options.Now that only moves when told to.
type frozenClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *frozenClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func TestScriptLifecycle(t *testing.T) {
	h := newHarness(t, emulator.Options{})

	// The token's own orgID in the body and unknown keys are tolerated.
	r := h.expect(call{method: "POST", path: "/api/v2/scripts", body: map[string]any{
		"name": "getLastPoint", "description": "last point", "language": "flux",
		"script": `from(bucket: params.mybucket) |> range(start: -7d) |> limit(n:1)`,
		"orgID":  emulator.DefaultOrgID, "labels": []string{"x"},
	}}, http.StatusCreated)
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var keys map[string]any
	if err := json.Unmarshal(r.body, &keys); err != nil {
		t.Fatal(err)
	}
	gotKeys := slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	})
	if want := []string{"createdAt", "description", "id", "language", "name", "orgID", "script", "updatedAt"}; !slices.Equal(gotKeys, want) {
		t.Errorf("Script keys %v, want %v (url must be omitted)", gotKeys, want)
	}
	created := decodeJSON[wireScript](t, r)
	switch {
	case !idPattern.MatchString(created.ID):
		t.Errorf("id %q is not 16 lowercase hex digits", created.ID)
	case created.OrgID != emulator.DefaultOrgID:
		t.Errorf("orgID %q, want the token's org %q", created.OrgID, emulator.DefaultOrgID)
	case !timePattern.MatchString(created.CreatedAt) || created.CreatedAt != created.UpdatedAt:
		t.Errorf("createdAt %q / updatedAt %q", created.CreatedAt, created.UpdatedAt)
	case created.Name != "getLastPoint" || created.Description != "last point" || created.Language != "flux" ||
		created.Script != `from(bucket: params.mybucket) |> range(start: -7d) |> limit(n:1)`:
		t.Errorf("fields not echoed: %+v", created)
	}

	got := decodeJSON[wireScript](t, h.expect(call{method: "GET", path: "/api/v2/scripts/" + created.ID}, http.StatusOK))
	if got != created {
		t.Errorf("get %+v, want %+v", got, created)
	}

	time.Sleep(2 * time.Microsecond)
	patched := decodeJSON[wireScript](t, h.expect(call{method: "PATCH", path: "/api/v2/scripts/" + created.ID,
		body: map[string]any{"description": "new", "script": "from(bucket: params.b)", "name": "renamed", "language": "sql"},
	}, http.StatusOK))
	if patched.Description != "new" || patched.Script != "from(bucket: params.b)" {
		t.Errorf("description/script not applied: %+v", patched)
	}
	if patched.Name != "getLastPoint" || patched.Language != "flux" {
		t.Errorf("name/language must be ignored by PATCH: %+v", patched)
	}
	if patched.CreatedAt != created.CreatedAt || patched.UpdatedAt <= created.UpdatedAt {
		t.Errorf("timestamps after patch: created %q→%q updated %q→%q", created.CreatedAt, patched.CreatedAt, created.UpdatedAt, patched.UpdatedAt)
	}
	if got := decodeJSON[wireScript](t, h.expect(call{method: "GET", path: "/api/v2/scripts/" + created.ID}, http.StatusOK)); got != patched {
		t.Errorf("get after patch %+v, want %+v", got, patched)
	}

	r = h.expect(call{method: "DELETE", path: "/api/v2/scripts/" + created.ID}, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("204 with body %q", r.body)
	}
	expectError(t, h.do(call{method: "GET", path: "/api/v2/scripts/" + created.ID}), http.StatusNotFound,
		"not found", `script "`+created.ID+`" not found`)
	if n := h.srv.ScriptCount(emulator.DefaultOrgID); n != 0 {
		t.Errorf("ScriptCount %d after delete", n)
	}
}

func TestCreateValidation(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	h.createScript("taken", "from(bucket: \"b\")")
	before := h.snapshot()

	valid := func(drop string, set map[string]any) map[string]any {
		b := map[string]any{"name": "n1", "description": "d", "script": "s", "language": "flux"}
		delete(b, drop)
		for k, v := range set {
			b[k] = v
		}
		return b
	}
	huge := valid("", map[string]any{"script": strings.Repeat("x", emulator.MaxBodyBytes)})
	cases := []struct {
		name    string
		body    any
		header  map[string]string
		invalid bool // the request itself breaks the contract
		status  int
		code    string
		message string
	}{
		{"missing name", valid("name", nil), nil, true, 400, "invalid", `"name" is required`},
		{"empty name", valid("", map[string]any{"name": ""}), nil, false, 400, "invalid", `"name" must not be empty`},
		{"null name", valid("", map[string]any{"name": nil}), nil, true, 400, "invalid", `"name" is required`},
		{"missing description", valid("description", nil), nil, true, 400, "invalid", `"description" is required`},
		{"missing script", valid("script", nil), nil, true, 400, "invalid", `"script" is required`},
		{"empty script", valid("", map[string]any{"script": ""}), nil, false, 400, "invalid", `"script" must not be empty`},
		{"missing language", valid("language", nil), nil, true, 400, "invalid", `"language" is required`},
		{"python language", valid("", map[string]any{"language": "python"}), nil, true, 400, "invalid", `unsupported language "python": must be one of flux, sql, influxql`},
		{"upper-case language", valid("", map[string]any{"language": "FLUX"}), nil, true, 400, "invalid", ""},
		{"name not a string", valid("", map[string]any{"name": 5}), nil, true, 400, "invalid", `failed to decode request body: field "name" has the wrong type (got JSON number)`},
		{"malformed JSON", `{"name": "x",`, nil, true, 400, "invalid", "failed to decode request body: malformed JSON"},
		{"array body", `[]`, nil, true, 400, "invalid", "failed to decode request body: expected a JSON object"},
		// kin-openapi reads only the first JSON value, so it does not flag this one.
		{"trailing data", `{"name":"n1","description":"d","script":"s","language":"flux"} {}`, nil, false, 400, "invalid", "failed to decode request body: unexpected data after the JSON object"},
		{"empty body", "", nil, true, 400, "invalid", "failed to decode request body: the body is empty"},
		// The contract's only 400 example for this operation.
		{"orgID of another organization", valid("", map[string]any{"orgID": "ffffffffffffffff"}), nil, false, 400, "invalid", "failed to decode request body: organization not found"},
		{"org of another organization", valid("", map[string]any{"org": "someone-else"}), nil, false, 400, "invalid", "failed to decode request body: organization not found"},
		{"text/plain, not JSON", "name=n1", map[string]string{"Content-Type": "text/plain"}, true, 400, "invalid", "failed to decode request body: expected a JSON object"},
		{"duplicate name", valid("", map[string]any{"name": "taken"}), nil, false, 422, "conflict", "uniqueness violation"},
		{"body over 4 MiB", huge, nil, false, 413, "request too large", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			r := h.do(call{method: "POST", path: "/api/v2/scripts", body: tc.body, header: tc.header,
				expectation: expectation{invalidRequest: tc.invalid}})
			expectError(t, r, tc.status, tc.code, tc.message)
			if after := h.snapshot(); after != before {
				t.Errorf("store changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}

	// Accepted variants: Content-Type parameters, other languages, a
	// whitespace-only description (the UI sends " ") and an empty one
	// (present, as required, but the contract does not demand content).
	for lang, description := range map[string]string{"sql": " ", "influxql": ""} {
		r := h.expect(call{method: "POST", path: "/api/v2/scripts", body: valid("", map[string]any{"name": "n-" + lang, "language": lang, "description": description}),
			header: map[string]string{"Content-Type": "application/json; charset=utf-8"}}, http.StatusCreated)
		if s := decodeJSON[wireScript](t, r); s.Language != lang || s.Description != description {
			t.Errorf("created %+v", s)
		}
	}
	// The Content-Type is not checked: a JSON body is read as JSON under
	// any or no media type (the request breaks the contract, the answer
	// does not). So is the token's own organization, by ID or by name.
	for i, header := range []map[string]string{{"Content-Type": "text/plain"}, {"Content-Type": ""}, {"Content-Type": "application/x-www-form-urlencoded"}} {
		r := h.expect(call{method: "POST", path: "/api/v2/scripts", body: valid("", map[string]any{"name": fmt.Sprintf("ct-%d", i)}),
			header: header, expectation: expectation{invalidRequest: true}}, http.StatusCreated)
		if s := decodeJSON[wireScript](t, r); s.Name != fmt.Sprintf("ct-%d", i) {
			t.Errorf("created %+v", s)
		}
	}
	for name, org := range map[string]map[string]any{"own-id": {"orgID": emulator.DefaultOrgID}, "own-name": {"org": emulator.DefaultOrgName}, "empty": {"orgID": "", "org": ""}} {
		org["name"] = name
		r := h.expect(call{method: "POST", path: "/api/v2/scripts", body: valid("", org)}, http.StatusCreated)
		if s := decodeJSON[wireScript](t, r); s.OrgID != emulator.DefaultOrgID {
			t.Errorf("%s: created %+v", name, s)
		}
	}
}

func TestListPagingAndLimits(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	const total = 105
	for i := range total {
		h.createScript(fmt.Sprintf("s%03d", i), "x")
	}
	list := func(query string) []wireScript {
		t.Helper()
		r := h.expect(call{method: "GET", path: "/api/v2/scripts" + query}, http.StatusOK)
		return decodeJSON[struct{ Scripts []wireScript }](t, r).Scripts
	}
	all := list("?limit=500")
	if len(all) != total {
		t.Fatalf("limit=500 listed %d, want %d", len(all), total)
	}
	for i, s := range all { // newest first
		if want := fmt.Sprintf("s%03d", total-1-i); s.Name != want {
			t.Fatalf("position %d: %s, want %s", i, s.Name, want)
		}
	}
	for _, q := range []string{"", "?limit=0", "?offset=0"} {
		if got := list(q); len(got) != 100 || got[0].ID != all[0].ID {
			t.Errorf("%q listed %d (default must be 100)", q, len(got))
		}
	}
	if got := list("?limit=3&offset=102"); len(got) != 3 || got[0].ID != all[102].ID || got[2].ID != all[104].ID {
		t.Errorf("limit=3&offset=102: %v", got)
	}
	if got := list("?offset=105"); len(got) != 0 {
		t.Errorf("offset past the end listed %d", len(got))
	}
	if r := h.expect(call{method: "GET", path: "/api/v2/scripts?offset=1000"}, 200); string(r.body) != "{\"scripts\":[]}\n" {
		t.Errorf("empty page body %q", r.body)
	}
	if got := list("?name=s042"); len(got) != 1 || got[0].Name != "s042" {
		t.Errorf("name filter: %v", got)
	}
	if got := list("?name=s04"); len(got) != 0 {
		t.Errorf("name filter must be exact, got %d", len(got))
	}

	// Paging by offset walks every script once, in list order.
	var paged []wireScript
	for off := 0; ; off += 7 {
		page := list(fmt.Sprintf("?limit=7&offset=%d", off))
		paged = append(paged, page...)
		if len(page) < 7 {
			break
		}
	}
	if len(paged) != total {
		t.Fatalf("paging saw %d scripts", len(paged))
	}
	for i := range paged {
		if paged[i].ID != all[i].ID {
			t.Fatalf("paging order differs at %d", i)
		}
	}

	// Query values that do not parse get the gateway's shape, verbatim.
	grpc := []struct{ query, body string }{
		{"?limit=-1", `{"code":3,"message":"parsing field \"limit\": strconv.ParseUint: parsing \"-1\": invalid syntax","details":[]}`},
		{"?offset=-1", `{"code":3,"message":"parsing field \"offset\": strconv.ParseUint: parsing \"-1\": invalid syntax","details":[]}`},
		{"?limit=abc", `{"code":3,"message":"parsing field \"limit\": strconv.ParseUint: parsing \"abc\": invalid syntax","details":[]}`},
		{"?limit=99999999999999999999", `{"code":3,"message":"parsing field \"limit\": strconv.ParseUint: parsing \"99999999999999999999\": value out of range","details":[]}`},
		{"?limit=-5&offset=-1", `{"code":3,"message":"parsing field \"limit\": strconv.ParseUint: parsing \"-5\": invalid syntax","details":[]}`},
	}
	for _, tc := range grpc {
		r := h.do(call{method: "GET", path: "/api/v2/scripts" + tc.query, expectation: expectation{invalidRequest: true}})
		if r.status != 400 || strings.TrimSpace(string(r.body)) != tc.body {
			t.Errorf("%s: %d %s\nwant 400 %s", tc.query, r.status, r.body, tc.body)
		}
	}
	expectError(t, h.do(call{method: "GET", path: "/api/v2/scripts?limit=501", expectation: expectation{invalidRequest: true}}),
		400, "invalid", "limit must be between 0 and 500, got 501")
	if n := h.srv.ScriptCount(emulator.DefaultOrgID); n != total {
		t.Errorf("ScriptCount %d", n)
	}
}

// With a frozen clock every script has the same createdAt; the creation
// sequence still orders them, newest first.
func TestListOrderWithFrozenClock(t *testing.T) {
	clock := &frozenClock{t: time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)}
	h := newHarness(t, emulator.Options{Now: clock.Now})
	for _, n := range []string{"a", "b", "c"} {
		s := h.createScript(n, "x")
		if s.CreatedAt != "2024-05-01T12:00:00.123456Z" {
			t.Errorf("createdAt %q (must be truncated to microseconds)", s.CreatedAt)
		}
	}
	r := h.expect(call{method: "GET", path: "/api/v2/scripts"}, http.StatusOK)
	var names []string
	for _, s := range decodeJSON[struct{ Scripts []wireScript }](t, r).Scripts {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"c", "b", "a"}) {
		t.Errorf("order %v, want [c b a]", names)
	}
	// A clock going backwards still lists the newer script after... no:
	// createdAt wins first, so an older timestamp sorts last.
	clock.mu.Lock()
	clock.t = clock.t.Add(-time.Hour)
	clock.mu.Unlock()
	h.createScript("d", "x")
	r = h.expect(call{method: "GET", path: "/api/v2/scripts?limit=1&offset=3"}, http.StatusOK)
	if got := decodeJSON[struct{ Scripts []wireScript }](t, r).Scripts; len(got) != 1 || got[0].Name != "d" {
		t.Errorf("script with the oldest createdAt should be last: %v", got)
	}
}

func TestPatch(t *testing.T) {
	clock := &frozenClock{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	h := newHarness(t, emulator.Options{Now: clock.Now})
	s := h.createScript("p", "from(bucket: params.b)")
	path := "/api/v2/scripts/" + s.ID

	noops := []struct {
		name    string
		body    any
		header  map[string]string
		invalid bool
	}{
		{"empty object", map[string]any{}, nil, false},
		{"empty body", nil, nil, true}, // the contract requires a body yet documents the 200
		{"empty body with text/plain", "", map[string]string{"Content-Type": "text/plain"}, true},
		{"only ignored keys", map[string]any{"name": "other", "language": "sql", "orgID": "x"}, nil, false},
		// A script can never be emptied: "" is ignored like an absent key.
		{"empty script", map[string]any{"script": ""}, nil, false},
	}
	for _, tc := range noops {
		t.Run("noop/"+tc.name, func(t *testing.T) {
			h := h.with(t)
			r := h.expect(call{method: "PATCH", path: path, body: tc.body, header: tc.header,
				expectation: expectation{invalidRequest: tc.invalid}}, http.StatusOK)
			if got := decodeJSON[wireScript](t, r); got != s {
				t.Errorf("no-op PATCH changed the script: %+v, want %+v", got, s)
			}
		})
	}

	// Real changes under a frozen clock still move updatedAt strictly forward.
	prev := s
	for i, body := range []map[string]any{{"description": "d1"}, {"script": "s2"}, {"description": "d1"}} {
		got := decodeJSON[wireScript](t, h.expect(call{method: "PATCH", path: path, body: body}, http.StatusOK))
		if got.UpdatedAt <= prev.UpdatedAt || got.CreatedAt != s.CreatedAt {
			t.Errorf("patch %d: updatedAt %q not after %q (createdAt %q)", i, got.UpdatedAt, prev.UpdatedAt, got.CreatedAt)
		}
		prev = got
	}
	if prev.UpdatedAt != "2024-05-01T12:00:00.000003Z" || prev.Description != "d1" || prev.Script != "s2" {
		t.Errorf("after three patches: %+v", prev)
	}

	// An empty description clears it, as create accepts one: a real change
	// (the empty script beside it is still ignored).
	cleared := decodeJSON[wireScript](t, h.expect(call{method: "PATCH", path: path, body: map[string]any{"description": "", "script": ""}}, http.StatusOK))
	if cleared.Description != "" || cleared.Script != "s2" || cleared.UpdatedAt != "2024-05-01T12:00:00.000004Z" || cleared.CreatedAt != s.CreatedAt {
		t.Errorf("clearing the description: %+v", cleared)
	}
	if got := decodeJSON[wireScript](t, h.expect(call{method: "GET", path: path}, http.StatusOK)); got != cleared {
		t.Errorf("GET after clearing = %+v, want %+v", got, cleared)
	}
	// Clearing it again changes nothing, updatedAt included.
	for _, body := range []map[string]any{{"description": ""}, {"description": "", "script": ""}} {
		if got := decodeJSON[wireScript](t, h.expect(call{method: "PATCH", path: path, body: body}, http.StatusOK)); got != cleared {
			t.Errorf("PATCH %v on an empty description = %+v, want no change %+v", body, got, cleared)
		}
	}
	// And a description can be set again.
	if got := decodeJSON[wireScript](t, h.expect(call{method: "PATCH", path: path, body: map[string]any{"description": "back"}}, http.StatusOK)); got.Description != "back" || got.UpdatedAt <= cleared.UpdatedAt {
		t.Errorf("setting the description again: %+v", got)
	}

	before := h.snapshot()
	bad := []struct {
		name    string
		path    string
		body    any
		header  map[string]string
		invalid bool
		status  int
		code    string
		message string
	}{
		{"wrong type", path, map[string]any{"description": 5}, nil, true, 400, "invalid", `failed to decode request body: field "description" has the wrong type (got JSON number)`},
		{"malformed", path, `{"description":`, nil, true, 400, "invalid", ""},
		{"not an object", path, `"text"`, nil, true, 400, "invalid", ""},
		{"text/plain, not JSON", path, "description=x", map[string]string{"Content-Type": "text/plain"}, true, 400, "invalid", "failed to decode request body: expected a JSON object"},
		{"too large", path, map[string]any{"script": strings.Repeat("y", emulator.MaxBodyBytes+1)}, nil, false, 413, "request too large", ""},
		{"unknown id", "/api/v2/scripts/0000000000000000", map[string]any{"description": "x"}, nil, false, 404, "not found", `script "0000000000000000" not found`},
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.name, func(t *testing.T) {
			h := h.with(t)
			r := h.do(call{method: "PATCH", path: tc.path, body: tc.body, header: tc.header, expectation: expectation{invalidRequest: tc.invalid}})
			expectError(t, r, tc.status, tc.code, tc.message)
			if after := h.snapshot(); after != before {
				t.Errorf("store changed")
			}
		})
	}
}

func TestUnknownIDs(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	h.createScript("exists", "from(bucket: params.b)")
	for _, id := range []string{"0000000000000000", "09afa3b220fe400", "not-an-id", `a"b`, "ünïcode"} {
		esc := url.PathEscape(id)
		for _, c := range []call{
			{method: "GET", path: "/api/v2/scripts/" + esc},
			{method: "PATCH", path: "/api/v2/scripts/" + esc, body: map[string]any{"description": "x"}},
			{method: "POST", path: "/api/v2/scripts/" + esc + "/invoke", body: map[string]any{"params": map[string]any{"b": "x"}}},
			{method: "GET", path: "/api/v2/scripts/" + esc + "/params"},
		} {
			t.Run(c.method+" "+c.path, func(t *testing.T) {
				expectError(t, h.do(c), http.StatusNotFound, "not found", `script "`+id+`" not found`)
			})
		}
		h.expect(call{method: "DELETE", path: "/api/v2/scripts/" + esc}, http.StatusNoContent)
	}
	if n := h.srv.ScriptCount(emulator.DefaultOrgID); n != 1 {
		t.Errorf("ScriptCount %d, want 1", n)
	}
}

func TestInvokeScript(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	withParams := h.createScript("with-params", `// params.commented is not a reference
from(bucket: params.bucket)
  |> range(start: params.start)
  |> filter(fn: (r) => r.host == "params.inString")
  |> limit(n: params["n"])`)
	noParams := h.createScript("no-params", `from(bucket: "b") |> range(start: -1h)`)
	all := map[string]any{"bucket": "b1", "start": "-1h", "n": 5}

	const header = ",result,table,param,value\r\n"
	cases := []struct {
		name    string
		id      string
		body    any
		header  map[string]string
		invalid bool
		status  int
		csv     string // expected body on 200
		code    string // expected error code otherwise
	}{
		{"all params", withParams.ID, map[string]any{"params": all}, nil, false, 200,
			header + ",_result,0,bucket,b1\r\n,_result,0,n,5\r\n,_result,0,start,-1h\r\n", ""},
		{"extra params and JSON types", withParams.ID, map[string]any{"params": map[string]any{
			"bucket": "b1", "start": "-1h", "n": 2.5, "flag": true, "obj": map[string]any{"a": 1}, "nil": nil, "csv": `a,"b"`,
		}}, nil, false, 200,
			header + ",_result,0,bucket,b1\r\n,_result,0,csv,\"a,\"\"b\"\"\"\r\n,_result,0,flag,true\r\n,_result,0,n,2.5\r\n" +
				",_result,0,nil,null\r\n,_result,0,obj,\"{\"\"a\"\":1}\"\r\n,_result,0,start,-1h\r\n", ""},
		{"Accept csv changes nothing", withParams.ID, map[string]any{"params": all}, map[string]string{"Accept": "application/csv"}, false, 200,
			header + ",_result,0,bucket,b1\r\n,_result,0,n,5\r\n,_result,0,start,-1h\r\n", ""},
		{"no params needed, no body", noParams.ID, nil, nil, false, 200, header, ""},
		{"no params needed, empty object", noParams.ID, map[string]any{}, nil, false, 200, header, ""},
		{"no params needed, null params", noParams.ID, map[string]any{"params": nil}, nil, true, 200, header, ""},
		{"one missing", withParams.ID, map[string]any{"params": map[string]any{"bucket": "b1", "start": "-1h"}}, nil, false, 400, "", "invalid"},
		{"no body", withParams.ID, nil, nil, false, 400, "", "invalid"},
		{"params not an object", withParams.ID, map[string]any{"params": 5}, nil, true, 400, "", "invalid"},
		{"malformed", withParams.ID, `{"params":{`, nil, true, 400, "", "invalid"},
		{"JSON as text/plain", withParams.ID, map[string]any{"params": all}, map[string]string{"Content-Type": "text/plain"}, true, 200,
			header + ",_result,0,bucket,b1\r\n,_result,0,n,5\r\n,_result,0,start,-1h\r\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			r := h.do(call{method: "POST", path: "/api/v2/scripts/" + tc.id + "/invoke", body: tc.body, header: tc.header,
				expectation: expectation{invalidRequest: tc.invalid}})
			if tc.status != 200 {
				msg := ""
				if tc.name == "one missing" || tc.name == "no body" {
					msg = "invalid parameters provided"
				}
				expectError(t, r, tc.status, tc.code, msg)
				return
			}
			if r.status != 200 || string(r.body) != tc.csv {
				t.Errorf("status %d body %q\nwant %q", r.status, r.body, tc.csv)
			}
			if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	// GET is not an invoke method in this generation.
	r := h.do(call{method: "GET", path: "/api/v2/scripts/" + noParams.ID + "/invoke", expectation: expectation{uncontracted: true}})
	expectError(t, r, http.StatusMethodNotAllowed, "method not allowed", "allow: POST")
	if r.header.Get("Allow") != "POST" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
}

func TestScriptParamsRoute(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	cases := []struct {
		script string
		want   map[string]string
	}{
		{`from(bucket: params.mybucket) |> range(start: -7d) |> limit(n:1)`, map[string]string{"mybucket": "string"}},
		{`from(bucket: "b") |> range(start: params.start, stop: params["stop"]) |> limit(n: params.n, offset: params.off)
		  |> aggregateWindow(every: params.every, fn: mean, createEmpty: params.empty)
		  |> filter(fn: (r) => r._value > params.threshold)`,
			map[string]string{"start": "time", "stop": "time", "n": "int", "off": "int", "every": "duration", "empty": "bool", "threshold": "any"}},
		{`x = "${params.interp}" // params.comment`, map[string]string{"interp": "any"}},
		{`from(bucket: params.x) |> limit(n: params.x)`, map[string]string{"x": "any"}},
		{`from(bucket: "nothing")`, map[string]string{}},
	}
	for i, tc := range cases {
		s := h.createScript(fmt.Sprintf("params-%d", i), tc.script)
		r := h.expect(call{method: "GET", path: "/api/v2/scripts/" + s.ID + "/params"}, http.StatusOK)
		got := decodeJSON[struct{ Params map[string]string }](t, r).Params
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || got == nil {
			t.Errorf("script %d: params %v, want %v", i, got, tc.want)
		}
	}
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	s := h.createScript("mine", "x")
	routes := []call{
		{method: "GET", path: "/api/v2/scripts"},
		{method: "POST", path: "/api/v2/scripts", body: map[string]any{"name": "new", "description": "d", "script": "s", "language": "flux"}},
		{method: "GET", path: "/api/v2/scripts/" + s.ID},
		{method: "PATCH", path: "/api/v2/scripts/" + s.ID, body: map[string]any{"description": "changed"}},
		{method: "DELETE", path: "/api/v2/scripts/" + s.ID},
		{method: "POST", path: "/api/v2/scripts/" + s.ID + "/invoke"},
		{method: "GET", path: "/api/v2/scripts/" + s.ID + "/params"},
		{method: "GET", path: "/api/v2/orgs"},
		{method: "GET", path: "/api/v2/buckets", expectation: expectation{uncontracted: true}},
	}
	before := h.snapshot()
	for _, auth := range []string{"", "Token wrong", "token " + emulator.DefaultToken, "Token", "Token ",
		"Basic ZW11bGF0b3I6dG9rZW4=", emulator.DefaultToken, "Bearer  " + emulator.DefaultToken} {
		for _, c := range routes {
			c.token = noAuth
			c.header = map[string]string{"Authorization": auth}
			t.Run(fmt.Sprintf("%q %s %s", auth, c.method, c.path), func(t *testing.T) {
				expectError(t, h.do(c), http.StatusUnauthorized, "unauthorized", "unauthorized access")
			})
		}
	}
	if after := h.snapshot(); after != before {
		t.Errorf("unauthorised requests changed the store")
	}
	// Bearer is accepted as well as Token.
	r := h.expect(call{method: "GET", path: "/api/v2/scripts/" + s.ID, token: noAuth,
		header: map[string]string{"Authorization": "Bearer " + emulator.DefaultToken}}, http.StatusOK)
	if decodeJSON[wireScript](t, r).ID != s.ID {
		t.Errorf("Bearer read the wrong script")
	}
}

func twoOrgs() emulator.Options {
	return emulator.Options{Orgs: []emulator.Org{
		{ID: "aaaaaaaaaaaaaaaa", Name: "org-a", Tokens: []string{"token-a1", "token-a2"}},
		{ID: "bbbbbbbbbbbbbbbb", Name: "org-b", Tokens: []string{"token-b1", "token-b2"}},
	}}
}

func TestOrgIsolation(t *testing.T) {
	h := newHarness(t, twoOrgs())
	// A create naming another organization, one that exists, is refused
	// with the contract's 400 and stores nothing.
	for _, org := range []map[string]any{{"orgID": "bbbbbbbbbbbbbbbb"}, {"org": "org-b"}} {
		body := map[string]any{"name": "shared-name", "description": "d", "script": "from(bucket: params.b)", "language": "flux"}
		maps.Copy(body, org)
		expectError(t, h.do(call{method: "POST", path: "/api/v2/scripts", token: "token-a1", body: body}),
			http.StatusBadRequest, "invalid", "failed to decode request body: organization not found")
	}
	if n, m := h.srv.ScriptCount("aaaaaaaaaaaaaaaa"), h.srv.ScriptCount("bbbbbbbbbbbbbbbb"); n+m != 0 {
		t.Fatalf("a refused create stored %d scripts in A and %d in B", n, m)
	}
	r := h.expect(call{method: "POST", path: "/api/v2/scripts", token: "token-a1",
		body: map[string]any{"name": "shared-name", "description": "d", "script": "from(bucket: params.b)", "language": "flux", "orgID": "aaaaaaaaaaaaaaaa"}}, http.StatusCreated)
	a := decodeJSON[wireScript](t, r)
	if a.OrgID != "aaaaaaaaaaaaaaaa" {
		t.Fatalf("script owned by %q, want the token's org", a.OrgID)
	}
	// The org's other token sees it.
	h.expect(call{method: "GET", path: "/api/v2/scripts/" + a.ID, token: "token-a2"}, http.StatusOK)

	notFound := `script "` + a.ID + `" not found`
	for _, c := range []call{
		{method: "GET", path: "/api/v2/scripts/" + a.ID},
		{method: "PATCH", path: "/api/v2/scripts/" + a.ID, body: map[string]any{"description": "hijacked"}},
		{method: "POST", path: "/api/v2/scripts/" + a.ID + "/invoke", body: map[string]any{"params": map[string]any{"b": "x"}}},
		{method: "GET", path: "/api/v2/scripts/" + a.ID + "/params"},
	} {
		c.token = "token-b1"
		expectError(t, h.do(c), http.StatusNotFound, "not found", notFound)
	}
	r = h.expect(call{method: "GET", path: "/api/v2/scripts", token: "token-b2"}, http.StatusOK)
	if got := decodeJSON[struct{ Scripts []wireScript }](t, r).Scripts; len(got) != 0 {
		t.Errorf("org B lists org A's scripts: %v", got)
	}
	h.expect(call{method: "DELETE", path: "/api/v2/scripts/" + a.ID, token: "token-b1"}, http.StatusNoContent)
	if got := decodeJSON[wireScript](t, h.expect(call{method: "GET", path: "/api/v2/scripts/" + a.ID, token: "token-a1"}, 200)); got != a {
		t.Errorf("org B's delete or patch touched org A's script: %+v", got)
	}
	// Names are unique per org, not globally.
	h.expect(call{method: "POST", path: "/api/v2/scripts", token: "token-b1",
		body: map[string]any{"name": "shared-name", "description": "d", "script": "s", "language": "flux"}}, http.StatusCreated)
	if a, b := h.srv.ScriptNames("aaaaaaaaaaaaaaaa"), h.srv.ScriptNames("bbbbbbbbbbbbbbbb"); !slices.Equal(a, []string{"shared-name"}) || !slices.Equal(b, a) {
		t.Errorf("names: A %v, B %v", a, b)
	}
}

func TestOrgsRoute(t *testing.T) {
	h := newHarness(t, twoOrgs())
	type orgs struct {
		Links map[string]string
		Orgs  []struct{ ID, Name string }
	}
	for _, tc := range []struct {
		token, query string
		wantID       string
	}{
		{"token-a1", "", "aaaaaaaaaaaaaaaa"},
		{"token-b2", "", "bbbbbbbbbbbbbbbb"},
		{"token-a2", "?org=org-a", "aaaaaaaaaaaaaaaa"},
		{"token-b1", "?orgID=bbbbbbbbbbbbbbbb", "bbbbbbbbbbbbbbbb"},
	} {
		r := h.expect(call{method: "GET", path: "/api/v2/orgs" + tc.query, token: tc.token}, http.StatusOK)
		got := decodeJSON[orgs](t, r)
		if len(got.Orgs) != 1 || got.Orgs[0].ID != tc.wantID || got.Links["self"] != "/api/v2/orgs" {
			t.Errorf("%s %s: %+v", tc.token, tc.query, got)
		}
	}
	// Another org, even an existing one, is not visible to the token.
	expectError(t, h.do(call{method: "GET", path: "/api/v2/orgs?org=org-b", token: "token-a1"}), 404, "not found", `organization name "org-b" not found`)
	expectError(t, h.do(call{method: "GET", path: "/api/v2/orgs?org=nope", token: "token-a1"}), 404, "not found", `organization name "nope" not found`)
	expectError(t, h.do(call{method: "GET", path: "/api/v2/orgs?orgID=aaaaaaaaaaaaaaaa", token: "token-b1"}), 404, "not found", "organization not found")
}

func TestHealthAndPing(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	r := h.expect(call{method: "GET", path: "/health", token: noAuth, expectation: expectation{uncontracted: true}}, http.StatusOK)
	health := decodeJSON[map[string]any](t, r)
	if health["name"] != "influxdb" || health["status"] != "pass" || health["message"] != "ready for queries and writes" {
		t.Errorf("health %v", health)
	}
	for _, m := range []string{"GET", "HEAD"} {
		r := h.expect(call{method: m, path: "/ping", token: noAuth}, http.StatusNoContent)
		if len(r.body) != 0 {
			t.Errorf("%s /ping body %q", m, r.body)
		}
	}
	if st := h.srv.Stats(); len(st) != 0 {
		t.Errorf("health and ping must not be counted: %v", st)
	}
	// Outside /api/v2 unknown paths need no token.
	expectError(t, h.do(call{method: "GET", path: "/nope", token: noAuth, expectation: expectation{uncontracted: true}}), 404, "not found", "path not found")
}

// TestOversizedBodyAnswerIsReadable: a client that sends its whole body
// before reading the answer reads the 413, and the connection stays usable
// when the emulator could read the body to its end. A body beyond what the
// emulator drains gets its 413 with Connection: close.
func TestOversizedBodyAnswerIsReadable(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	addr := strings.TrimPrefix(h.url, "http://")
	request := func(size int) []byte {
		return fmt.Appendf(nil, "POST /api/v2/scripts HTTP/1.1\r\nHost: emulator\r\nAuthorization: Token %s\r\n"+
			"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", emulator.DefaultToken, size, strings.Repeat("x", size))
	}
	for _, size := range []int{emulator.MaxBodyBytes + 1, 3 * emulator.MaxBodyBytes, 5 * emulator.MaxBodyBytes} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = conn.Close() }()
			// A bound on a hung test, not a timed assertion.
			_ = conn.SetDeadline(time.Now().Add(time.Minute))
			// Everything is written before anything is read.
			if _, err := conn.Write(request(size)); err != nil {
				t.Fatalf("writing the request: %v", err)
			}
			rd := bufio.NewReader(conn)
			resp, err := http.ReadResponse(rd, nil)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			expectError(t, reply{status: resp.StatusCode, header: resp.Header, body: body}, http.StatusRequestEntityTooLarge, "request too large", "")
			if resp.Close {
				t.Errorf("Connection: close after a body that was read to its end")
			}
			// The same connection serves the next request.
			if _, err := fmt.Fprintf(conn, "GET /api/v2/scripts HTTP/1.1\r\nHost: emulator\r\nAuthorization: Token %s\r\n\r\n", emulator.DefaultToken); err != nil {
				t.Fatal(err)
			}
			next, err := http.ReadResponse(rd, nil)
			if err != nil || next.StatusCode != http.StatusOK {
				t.Fatalf("next request on the connection: %v, %v", next, err)
			}
			_ = next.Body.Close()
		})
	}

	// Beyond the drained amount, with Go's HTTP client (which reads the
	// answer while it writes).
	body, err := json.Marshal(map[string]any{"name": "huge", "description": "d", "language": "flux", "script": strings.Repeat("x", 7*emulator.MaxBodyBytes)})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.url+"/api/v2/scripts", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+emulator.DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	// A plain client: the contract check of a 28 MiB request would take
	// longer than the harness client allows, and proves nothing here.
	plain := &http.Client{Transport: &http.Transport{}}
	defer plain.CloseIdleConnections()
	resp, err := plain.Do(req)
	if err != nil {
		t.Fatalf("a body over the drained amount: %v", err)
	}
	data, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	expectError(t, reply{status: resp.StatusCode, header: resp.Header, body: data}, http.StatusRequestEntityTooLarge, "request too large", "")
	if !resp.Close {
		t.Errorf("no Connection: close after a body the emulator did not read to its end")
	}
	r := h.expect(call{method: "GET", path: "/api/v2/scripts"}, http.StatusOK)
	if got := decodeJSON[struct{ Scripts []wireScript }](t, r).Scripts; len(got) != 0 {
		t.Errorf("scripts stored: %v", got)
	}
}
