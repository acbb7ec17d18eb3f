package influxdb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestList(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		opts      ListOptions
		wantQuery url.Values
		wantNames []string
	}{
		{"defaults", ListOptions{}, url.Values{}, []string{"gamma", "beta-2", "beta", "alpha"}},
		{"limit", ListOptions{Limit: 2}, url.Values{"limit": {"2"}}, []string{"gamma", "beta-2"}},
		{"limit and offset", ListOptions{Limit: 2, Offset: 1}, url.Values{"limit": {"2"}, "offset": {"1"}}, []string{"beta-2", "beta"}},
		{"offset past the end", ListOptions{Offset: 99}, url.Values{"offset": {"99"}}, nil},
		// The scripts API filters by name on the server, loosely here; List
		// passes the server's answer through (FindByName is the exact one).
		{"name", ListOptions{Name: "beta"}, url.Values{"name": {"beta"}}, []string{"beta-2", "beta"}},
		// The scripts API takes the organization from the token.
		{"org ignored", ListOptions{OrgID: testOrgID}, url.Values{}, []string{"gamma", "beta-2", "beta", "alpha"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			fs.looseName = true
			for _, n := range []string{"alpha", "beta", "beta-2", "gamma"} {
				fs.add(Script{Name: n, Script: "s"})
			}
			c := newTestClient(t, fs.URL())
			got, err := c.List(context.Background(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range got {
				names = append(names, s.Name)
				if s.ID == "" || s.OrgID != testOrgID || s.CreatedAt == "" {
					t.Errorf("script not fully decoded: %+v", s)
				}
			}
			if !slices.Equal(names, tc.wantNames) {
				t.Errorf("names = %q, want %q", names, tc.wantNames)
			}
			reqs := fs.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			if !reflect.DeepEqual(reqs[0].Query, tc.wantQuery) {
				t.Errorf("query = %v, want %v", reqs[0].Query, tc.wantQuery)
			}
		})
	}
}

func TestListFunctionsGeneration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		opts      ListOptions
		wantQuery url.Values
		wantNames []string
		wantErr   string
	}{
		{"org id", ListOptions{OrgID: testOrgID}, url.Values{"orgID": {testOrgID}}, []string{"b", "a"}, ""},
		// No server-side name filter: no name parameter, exact match here.
		{"name", ListOptions{OrgID: testOrgID, Name: "a"}, url.Values{"orgID": {testOrgID}}, []string{"a"}, ""},
		{"paging", ListOptions{OrgID: testOrgID, Limit: 1, Offset: 1}, url.Values{"orgID": {testOrgID}, "limit": {"1"}, "offset": {"1"}}, []string{"a"}, ""},
		{"no org", ListOptions{}, nil, nil, "needs an organization"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIFunctions)
			fs.add(Script{Name: "a", Script: "s"}, Script{Name: "b", Script: "s"})
			c := newTestClient(t, fs.URL(), WithAPI(APIFunctions))
			got, err := c.List(context.Background(), tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("List = %v, want error containing %q", err, tc.wantErr)
				}
				if n := len(fs.requests()); n != 0 {
					t.Errorf("%d requests sent, want none", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range got {
				names = append(names, s.Name)
			}
			if !slices.Equal(names, tc.wantNames) {
				t.Errorf("names = %q, want %q", names, tc.wantNames)
			}
			reqs := fs.requests()
			if len(reqs) != 1 || reqs[0].Path != "/api/v2/functions" {
				t.Fatalf("requests = %+v, want one GET /api/v2/functions", reqs)
			}
			if !reflect.DeepEqual(reqs[0].Query, tc.wantQuery) {
				t.Errorf("query = %v, want %v", reqs[0].Query, tc.wantQuery)
			}
		})
	}
}

func TestListAllPaging(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		total       int
		max         int
		startOffset int
		wantCount   int
		wantLimits  []string
		wantOffsets []string
	}{
		{"1234 in three pages", 1234, 0, 0, 1234, []string{"500", "500", "500"}, []string{"", "500", "1000"}},
		{"exact multiple needs an empty page", 1000, 0, 0, 1000, []string{"500", "500", "500"}, []string{"", "500", "1000"}},
		{"empty", 0, 0, 0, 0, []string{"500"}, []string{""}},
		{"short", 7, 0, 0, 7, []string{"500"}, []string{""}},
		{"max below a page", 1234, 10, 0, 10, []string{"10"}, []string{""}},
		{"max across pages", 1234, 700, 0, 700, []string{"500", "200"}, []string{"", "500"}},
		{"max equal to total", 1234, 1234, 0, 1234, []string{"500", "500", "234"}, []string{"", "500", "1000"}},
		{"max above total", 1234, 5000, 0, 1234, []string{"500", "500", "500"}, []string{"", "500", "1000"}},
		{"starting offset", 1234, 0, 100, 1134, []string{"500", "500", "500"}, []string{"100", "600", "1100"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			fs.addN("s", tc.total)
			c := newTestClient(t, fs.URL())
			got, err := c.ListAll(context.Background(), ListOptions{Offset: tc.startOffset}, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.wantCount {
				t.Errorf("got %d scripts, want %d", len(got), tc.wantCount)
			}
			want := fs.snapshot()[tc.startOffset:]
			for i := range min(len(got), len(want)) {
				if got[i].ID != want[i].ID {
					t.Fatalf("script %d is %s, want %s (server order)", i, got[i].ID, want[i].ID)
				}
			}
			var limits, offsets []string
			for _, r := range fs.requests() {
				limits = append(limits, r.Query.Get("limit"))
				offsets = append(offsets, r.Query.Get("offset"))
			}
			if !slices.Equal(limits, tc.wantLimits) || !slices.Equal(offsets, tc.wantOffsets) {
				t.Errorf("requests had limits %q offsets %q, want %q and %q", limits, offsets, tc.wantLimits, tc.wantOffsets)
			}
		})
	}
}

// TestListAllNonAdvancingServer: a server that ignores offset must not make
// ListAll loop forever or report the first page many times.
func TestListAllNonAdvancingServer(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 1234)
	fs.ignoreOff = true
	fs.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n > 10 { // ListAll is looping: end it with an error the test rejects
			writeAPIError(w, http.StatusInternalServerError, "internal error", "too many pages")
			return true
		}
		return false
	}
	c := newTestClient(t, fs.URL())
	got, err := c.ListAll(context.Background(), ListOptions{}, 0)
	if err == nil {
		t.Fatalf("ListAll = %d scripts, want an error", len(got))
	}
	if !strings.Contains(err.Error(), "same page twice at offset 500") {
		t.Errorf("error %q does not explain the paging problem", err)
	}
	if n := len(fs.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// TestListAllShiftedPages: a script created between two page requests
// shifts the list by one; the script at the page border is reported once.
func TestListAllShiftedPages(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 600)
	before := fs.snapshot()
	fs.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.Method == http.MethodGet && r.URL.Query().Get("offset") == "500" && n == 2 {
			fs.add(Script{Name: "newcomer", Script: "x"}) // newest first: shifts everything
		}
		return false
	}
	c := newTestClient(t, fs.URL())
	got, err := c.ListAll(context.Background(), ListOptions{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range got {
		if seen[s.ID] {
			t.Errorf("script %s reported twice", s.ID)
		}
		seen[s.ID] = true
	}
	for _, s := range before {
		if !seen[s.ID] {
			t.Errorf("script %s (%s) missing", s.ID, s.Name)
		}
	}
	if len(got) != 600 {
		t.Errorf("got %d scripts, want the 600 that existed throughout", len(got))
	}
}

// TestListAllShiftedShortPage: the last page being all duplicates is the end
// of the list, not a paging error.
func TestListAllShiftedShortPage(t *testing.T) {
	t.Parallel()
	page1 := make([]Script, MaxPageSize)
	for i := range page1 {
		page1[i] = Script{ID: fmt.Sprintf("id%04d", i), Name: fmt.Sprintf("n%04d", i)}
	}
	fs := newFakeServer(t, APIScripts)
	fs.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n == 1 {
			writeJSON(w, 200, map[string]any{"scripts": page1})
		} else {
			// A deletion elsewhere shifted the list back: the tail repeats.
			writeJSON(w, 200, map[string]any{"scripts": page1[498:]})
		}
		return true
	}
	c := newTestClient(t, fs.URL())
	got, err := c.ListAll(context.Background(), ListOptions{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != MaxPageSize {
		t.Errorf("got %d scripts, want %d", len(got), MaxPageSize)
	}
}

func TestFindByName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		api   API
		loose bool
		opts  ListOptions
	}{
		{APIScripts, true, ListOptions{Name: "etl"}},
		{APIScripts, false, ListOptions{Name: "etl"}},
		{APIFunctions, false, ListOptions{Name: "etl", OrgID: testOrgID}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s loose=%v", tc.api, tc.loose), func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, tc.api)
			fs.looseName = tc.loose
			fs.add(Script{Name: "etl-2", Script: "a"}, Script{Name: "etl", Script: "b"}, Script{Name: "my-etl", Script: "c"}, Script{Name: "ETL", Script: "d"})
			c := newTestClient(t, fs.URL(), WithAPI(tc.api))
			got, err := c.FindByName(context.Background(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Name != "etl" || got[0].Script != "b" {
				t.Errorf("FindByName = %+v, want exactly the script named etl", got)
			}
			q := fs.requests()[0].Query
			if tc.api == APIScripts && q.Get("name") != "etl" {
				t.Errorf("the scripts API's name filter was not used: %v", q)
			}
			if tc.api == APIFunctions && q.Has("name") {
				t.Errorf("functions API got a name filter it does not know: %v", q)
			}
		})
	}
	t.Run("empty name", func(t *testing.T) {
		t.Parallel()
		fs := newFakeServer(t, APIScripts)
		c := newTestClient(t, fs.URL())
		if _, err := c.FindByName(context.Background(), ListOptions{}); err == nil {
			t.Error("FindByName with no name succeeded")
		}
		if n := len(fs.requests()); n != 0 {
			t.Errorf("%d requests, want none", n)
		}
	})
}

// TestFindByNameFunctionsBeyondFirstPage: on the functions generation the
// name is matched locally, so a page that the filter shortens must not end
// the paging (the script sits on the second page).
func TestFindByNameFunctionsBeyondFirstPage(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIFunctions)
	fs.add(Script{Name: "target", Script: "x"}) // oldest, so last in the list
	fs.addN("f", 700)
	c := newTestClient(t, fs.URL(), WithAPI(APIFunctions))
	got, err := c.FindByName(context.Background(), ListOptions{OrgID: testOrgID, Name: "target"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "target" {
		t.Fatalf("FindByName = %+v, want the script on the second page", got)
	}
	if n := fs.count(http.MethodGet, "/api/v2/functions"); n != 2 {
		t.Errorf("%d list requests, want 2", n)
	}
	// ListAll with a name and a max counts matches, not scanned scripts.
	all, err := c.ListAll(context.Background(), ListOptions{OrgID: testOrgID, Name: "target"}, 1)
	if err != nil || len(all) != 1 || all[0].Name != "target" {
		t.Errorf("ListAll(name, max 1) = %+v, %v; want the one script named target", all, err)
	}
	// List filters its page by exact name, too.
	page, err := c.List(context.Background(), ListOptions{OrgID: testOrgID, Name: "f-0699", Limit: 500})
	if err != nil || len(page) != 1 || page[0].Name != "f-0699" {
		t.Errorf("List(name) = %+v, %v; want the one script named f-0699", page, err)
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	want := fs.add(Script{Name: "n", Description: "d", Script: "from(bucket: params.b)", Language: "sql"})
	c := newTestClient(t, fs.URL())
	got, err := c.Get(context.Background(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *got != want {
		t.Errorf("Get = %+v, want %+v", *got, want)
	}
	_, err = c.Get(context.Background(), "09afa3b220fe400")
	var ae *APIError
	if !errors.As(err, &ae) || !IsNotFound(err) {
		t.Fatalf("Get(unknown) = %v, want a 404 *APIError", err)
	}
	if ae.Code != "not found" || ae.Message != `script "09afa3b220fe400" not found` || ae.Op != "read script 09afa3b220fe400" {
		t.Errorf("APIError = %+v", ae)
	}
	assertNoToken(t, err)
}

func TestCreateBody(t *testing.T) {
	t.Parallel()
	in := ScriptCreate{Name: "n", Description: "", Script: "from(bucket: params.b)", Language: "flux", OrgID: testOrgID}
	cases := []struct {
		api      API
		wantKeys []string
	}{
		{APIScripts, []string{"description", "language", "name", "script"}},
		{APIFunctions, []string{"description", "language", "name", "orgID", "script"}},
	}
	for _, tc := range cases {
		t.Run(string(tc.api), func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, tc.api)
			c := newTestClient(t, fs.URL(), WithAPI(tc.api))
			got, err := c.Create(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID == "" || got.Name != in.Name || got.Script != in.Script {
				t.Errorf("Create = %+v", got)
			}
			reqs := fs.requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/api/v2/"+string(tc.api) {
				t.Fatalf("requests = %+v, want one POST", reqs)
			}
			var body map[string]any
			if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range body {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, tc.wantKeys) {
				t.Errorf("body keys = %q, want %q (body %s)", keys, tc.wantKeys, reqs[0].Body)
			}
			// description is required by the scripts contract, even when empty.
			if d, ok := body["description"]; !ok || d != "" {
				t.Errorf("description = %v, %v; want an empty string", d, ok)
			}
			if tc.api == APIFunctions && body["orgID"] != testOrgID {
				t.Errorf("orgID = %v, want %s", body["orgID"], testOrgID)
			}
		})
	}
	t.Run("functions without org", func(t *testing.T) {
		t.Parallel()
		fs := newFakeServer(t, APIFunctions)
		c := newTestClient(t, fs.URL(), WithAPI(APIFunctions))
		if _, err := c.Create(context.Background(), ScriptCreate{Name: "n", Script: "s"}); err == nil || !strings.Contains(err.Error(), "organization") {
			t.Errorf("Create = %v, want an organization error", err)
		}
		if n := len(fs.requests()); n != 0 {
			t.Errorf("%d requests, want none", n)
		}
	})
}

func TestCreateAnswerWithoutID(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		writeJSON(w, http.StatusCreated, map[string]string{"name": "n"})
		return true
	}
	c := newTestClient(t, fs.URL())
	_, err := c.Create(context.Background(), ScriptCreate{Name: "n", Script: "s"})
	var de *DecodeError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "no id") || !strings.Contains(err.Error(), `create script "n"`) {
		t.Errorf("Create = %v, want a DecodeError about the missing id", err)
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		api      API
		in       ScriptUpdate
		wantBody string
		wantErr  string
	}{
		{"description only", APIScripts, ScriptUpdate{Description: strPtr("new")}, `{"description":"new"}`, ""},
		{"script only", APIScripts, ScriptUpdate{Script: strPtr("s2")}, `{"script":"s2"}`, ""},
		{"both", APIScripts, ScriptUpdate{Description: strPtr("d2"), Script: strPtr("s2")}, `{"description":"d2","script":"s2"}`, ""},
		{"clear description", APIScripts, ScriptUpdate{Description: strPtr("")}, `{"description":""}`, ""},
		{"nothing", APIScripts, ScriptUpdate{}, `{}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, tc.api)
			s := fs.add(Script{Name: "n", Description: "d", Script: "s"})
			c := newTestClient(t, fs.URL(), WithAPI(tc.api))
			got, err := c.Update(context.Background(), s.ID, tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Update = %v, want error containing %q", err, tc.wantErr)
				}
				if n := len(fs.requests()); n != 0 {
					t.Errorf("%d requests, want none", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			reqs := fs.requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodPatch {
				t.Fatalf("requests = %+v, want one PATCH", reqs)
			}
			if string(bytes.TrimSpace(reqs[0].Body)) != tc.wantBody {
				t.Errorf("body = %s, want %s", reqs[0].Body, tc.wantBody)
			}
			if got.UpdatedAt == s.UpdatedAt || got.ID != s.ID {
				t.Errorf("Update returned %+v, want the server's updated script", got)
			}
			if tc.in.Script != nil && got.Script != *tc.in.Script {
				t.Errorf("script = %q, want %q", got.Script, *tc.in.Script)
			}
		})
	}
}

// A deletion the server queues: the script is still there on the first
// checks and gone on the third, which is success.
func TestDeleteQueued(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	s := fs.add(Script{Name: "n", Script: "s"})
	gets := 0
	fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		switch r.Method {
		case http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case http.MethodGet:
			gets++
			if gets < 3 {
				writeJSON(w, http.StatusOK, s)
			} else {
				writeAPIError(w, http.StatusNotFound, "not found", fmt.Sprintf("script %q not found", s.ID))
			}
		}
		return true
	}
	c := newTestClient(t, fs.URL())
	if err := c.Delete(context.Background(), s.ID); err != nil {
		t.Fatalf("Delete = %v, want success once the queued deletion is done", err)
	}
	if gets != 3 {
		t.Fatalf("confirming GETs = %d, want 3", gets)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		unknownID  bool // delete an id the server never had
		deleteCode int  // 0: the fake's behaviour
		getCode    int
		wantErr    string
		wantCalls  []string
	}{
		{"deleted", false, 0, 0, "", []string{"DELETE", "GET"}},
		{"unknown id: 204 then 404", true, 0, 0, "", []string{"DELETE", "GET"}},
		{"delete 404 and get 404", false, http.StatusNotFound, http.StatusNotFound, "", []string{"DELETE", "GET"}},
		{"delete 204 and get 404", false, http.StatusNoContent, http.StatusNotFound, "", []string{"DELETE", "GET"}},
		{"still there", false, http.StatusNoContent, http.StatusOK, "still had the script after 5 checks", []string{"DELETE", "GET", "GET", "GET", "GET", "GET"}},
		{"delete 404 but still there", false, http.StatusNotFound, http.StatusOK, "still had the script after 5 checks", []string{"DELETE", "GET", "GET", "GET", "GET", "GET"}},
		{"delete refused", false, http.StatusUnauthorized, 0, "HTTP 401", []string{"DELETE"}},
		{"delete fails", false, http.StatusInternalServerError, 0, "HTTP 500", []string{"DELETE"}},
		{"confirmation fails", false, 0, http.StatusUnauthorized, "confirming the deletion", []string{"DELETE", "GET"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			s := fs.add(Script{Name: "n", Script: "s"})
			if tc.unknownID {
				s.ID = "ffffffffffffffff"
			}
			fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				code := tc.deleteCode
				if r.Method == http.MethodGet {
					code = tc.getCode
				}
				switch code {
				case 0:
					return false
				case http.StatusOK:
					writeJSON(w, code, s)
				case http.StatusNoContent:
					w.WriteHeader(code)
				case http.StatusNotFound:
					writeAPIError(w, code, "not found", fmt.Sprintf("script %q not found", s.ID))
				default:
					writeAPIError(w, code, "x", "refused")
				}
				return true
			}
			c := newTestClient(t, fs.URL())
			err := c.Delete(context.Background(), s.ID)
			if tc.wantErr == "" && err != nil {
				t.Errorf("Delete = %v, want success", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Delete = %v, want error containing %q", err, tc.wantErr)
			}
			assertNoToken(t, err)
			var calls []string
			for _, r := range fs.requests() {
				calls = append(calls, r.Method)
				if r.Path != "/api/v2/scripts/"+s.ID {
					t.Errorf("%s went to %s", r.Method, r.Path)
				}
			}
			if !slices.Equal(calls, tc.wantCalls) {
				t.Errorf("calls = %q, want %q", calls, tc.wantCalls)
			}
		})
	}
}

func TestParams(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body string
		want map[string]string
	}{
		{"some", `{"params":{"mybucket":"string","n":"int"}}`, map[string]string{"mybucket": "string", "n": "int"}},
		{"none", `{"params":{}}`, map[string]string{}},
		{"missing key", `{}`, map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tc.body)
				return true
			}
			c := newTestClient(t, fs.URL())
			got, err := c.Params(context.Background(), "abc")
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Params = %#v, want %#v", got, tc.want)
			}
			if p := fs.requests()[0].Path; p != "/api/v2/scripts/abc/params" {
				t.Errorf("path = %s", p)
			}
		})
	}
}

func TestInvokeParamsKeepTheirJSONTypes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		params   map[string]any
		wantBody string
	}{
		{"nil", nil, `{"params":{}}`},
		{"empty", map[string]any{}, `{"params":{}}`},
		{"number stays a number", map[string]any{"n": 5}, `{"params":{"n":5}}`},
		{"string stays a string", map[string]any{"s": "x"}, `{"params":{"s":"x"}}`},
		{"numeric string stays a string", map[string]any{"s": "5"}, `{"params":{"s":"5"}}`},
		{"mixed", map[string]any{"b": true, "f": 2.5, "l": []any{1, "a"}, "r": map[string]any{"k": nil}, "big": json.Number("12345678901234567890")},
			`{"params":{"b":true,"big":12345678901234567890,"f":2.5,"l":[1,"a"],"r":{"k":null}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIScripts)
			s := fs.add(Script{Name: "n", Script: "s"})
			c := newTestClient(t, fs.URL())
			res, err := c.Invoke(context.Background(), s.ID, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if !strings.HasPrefix(res.ContentType, "text/csv") || !strings.Contains(string(out), "_result") {
				t.Errorf("result %q of type %q, want the server's CSV", out, res.ContentType)
			}
			r := fs.requests()[0]
			if string(bytes.TrimSpace(r.Body)) != tc.wantBody {
				t.Errorf("body = %s, want %s", r.Body, tc.wantBody)
			}
			if r.Path != "/api/v2/scripts/"+s.ID+"/invoke" || r.Method != http.MethodPost {
				t.Errorf("request = %s %s", r.Method, r.Path)
			}
		})
	}
}

// TestInvokeFunctionsAccept: the functions generation's invoke asks for the
// contract's JSON first and admits the CSV of the guide; either answer is
// handed over as it came, with its Content-Type.
func TestInvokeFunctionsAccept(t *testing.T) {
	t.Parallel()
	answers := map[string]struct{ contentType, body string }{
		"json": {"application/json; charset=utf-8", `{"result":[]}`},
		"csv":  {"application/csv", ",result,table,_value\n,_result,0,1\n"},
		"text": {"text/csv; charset=utf-8", ",result,table\n"},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, APIFunctions)
			s := fs.add(Script{Name: "n", Script: "s"})
			fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				if !strings.HasSuffix(r.URL.Path, "/invoke") {
					return false
				}
				w.Header().Set("Content-Type", answer.contentType)
				_, _ = io.WriteString(w, answer.body)
				return true
			}
			c := newTestClient(t, fs.URL(), WithAPI(APIFunctions))
			res, err := c.Invoke(context.Background(), s.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if err != nil || string(body) != answer.body || res.ContentType != answer.contentType {
				t.Errorf("Invoke = %q (%s), %v; want %q (%s)", body, res.ContentType, err, answer.body, answer.contentType)
			}
			r := fs.requests()[0]
			if r.Path != "/api/v2/functions/"+s.ID+"/invoke" {
				t.Errorf("request path %s", r.Path)
			}
			// The contract's JSON first, the guide's CSV admitted.
			if accept := r.Header.Get("Accept"); accept != "application/json, application/csv;q=0.9, text/csv;q=0.9" {
				t.Errorf("Accept %q", accept)
			}
		})
	}
}

// TestInvokeStreams: Invoke hands the body over before the server has
// finished writing it.
func TestInvokeStreams(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	fs := newFakeServer(t, APIScripts)
	fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		w.Header().Set("Content-Type", "text/csv")
		_, _ = io.WriteString(w, "a,b\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return true
		case <-time.After(10 * time.Second):
		}
		_, _ = io.WriteString(w, "1,2\n")
		return true
	}
	c := newTestClient(t, fs.URL())
	type result struct {
		res *InvokeResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := c.Invoke(context.Background(), "abc", nil)
		done <- result{res, err}
	}()
	var got result
	select {
	case got = <-done:
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("Invoke did not return before the body was complete: it buffers")
	}
	if got.err != nil {
		close(release)
		t.Fatal(got.err)
	}
	defer func() { _ = got.res.Body.Close() }()
	br := bufio.NewReader(got.res.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "a,b\n" {
		t.Fatalf("first line = %q, %v", line, err)
	}
	close(release)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "1,2\n" {
		t.Errorf("rest = %q, %v", rest, err)
	}
	if got.res.ContentType != "text/csv" {
		t.Errorf("ContentType = %q", got.res.ContentType)
	}
}

func TestInvokeError(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		w.Header().Set("X-Platform-Error-Code", "invalid")
		writeAPIError(w, http.StatusBadRequest, "invalid", "invalid parameters provided")
		return true
	}
	c := newTestClient(t, fs.URL())
	res, err := c.Invoke(context.Background(), "abc", map[string]any{"x": 1})
	var ae *APIError
	if res != nil || !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Code != "invalid" || ae.Message != "invalid parameters provided" {
		t.Errorf("Invoke = %v, %v; want the 400", res, err)
	}
}

func TestLookupOrgID(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	c := newTestClient(t, fs.URL())
	id, err := c.LookupOrgID(context.Background(), "my org")
	if err != nil {
		t.Fatal(err)
	}
	if id != testOrgID {
		t.Errorf("LookupOrgID = %q, want %q (the exact match, not %q)", id, testOrgID, "my org-other")
	}
	r := fs.requests()[0]
	if r.Path != "/api/v2/orgs" || r.Query.Get("org") != "my org" {
		t.Errorf("request = %s %v", r.Path, r.Query)
	}

	fs2 := newFakeServer(t, APIScripts)
	fs2.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		writeJSON(w, 200, map[string]any{"orgs": []Org{{ID: "1", Name: "other"}}})
		return true
	}
	c2 := newTestClient(t, fs2.URL())
	_, err = c2.LookupOrgID(context.Background(), "mine")
	if !errors.Is(err, ErrOrgNotFound) || !strings.Contains(err.Error(), `"mine"`) {
		t.Errorf("LookupOrgID(unknown) = %v, want ErrOrgNotFound naming the org", err)
	}
	if IsNotFound(err) {
		t.Errorf("LookupOrgID(unknown) = %v reads as a missing script", err)
	}

	// The contract's answers for a name that matches no organization (404)
	// and for one that does not own the token (400) mean the same.
	for _, status := range []int{http.StatusNotFound, http.StatusBadRequest} {
		fs3 := newFakeServer(t, APIScripts)
		fs3.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
			writeAPIError(w, status, "not found", `organization name "mine" not found`)
			return true
		}
		_, err = newTestClient(t, fs3.URL()).LookupOrgID(context.Background(), "mine")
		if !errors.Is(err, ErrOrgNotFound) || IsNotFound(err) || !strings.Contains(err.Error(), `organization name "mine" not found`) {
			t.Errorf("LookupOrgID answered %d = %v, want ErrOrgNotFound quoting the server", status, err)
		}
	}
}

func TestCheckOrg(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := newFakeServer(t, APIScripts)
	c := newTestClient(t, fs.URL())
	for range 3 {
		if err := c.CheckOrg(ctx, testOrgID); err != nil {
			t.Fatal(err)
		}
	}
	reqs := fs.requests()
	if len(reqs) != 1 || reqs[0].Path != "/api/v2/orgs" || reqs[0].Query.Get("orgID") != testOrgID {
		t.Errorf("requests = %+v, want one GET /api/v2/orgs?orgID=%s (the answer is kept)", reqs, testOrgID)
	}

	// An organization the token cannot see, each time it is asked.
	for range 2 {
		err := c.CheckOrg(ctx, "00000000000000aa")
		if !errors.Is(err, ErrOrgNotFound) || !strings.Contains(err.Error(), "00000000000000aa") {
			t.Errorf("CheckOrg(other) = %v, want ErrOrgNotFound naming it", err)
		}
		if IsNotFound(err) {
			t.Errorf("CheckOrg(other) = %v reads as a missing script", err)
		}
	}
	if n := len(fs.requests()); n != 3 {
		t.Errorf("%d requests, want 3: a failure is not kept", n)
	}
	if err := c.CheckOrg(ctx, ""); err == nil {
		t.Error("CheckOrg(\"\") succeeded")
	}

	cases := []struct {
		name       string
		status     int
		body       any
		wantOrg    bool // ErrOrgNotFound
		wantUnauth bool
	}{
		{"listed", 200, map[string]any{"orgs": []Org{{ID: testOrgID, Name: "o"}}}, false, false},
		{"another org listed", 200, map[string]any{"orgs": []Org{{ID: "00000000000000aa", Name: "o"}}}, true, false},
		{"empty list", 200, map[string]any{"orgs": []Org{}}, true, false},
		{"404", 404, map[string]string{"code": "not found", "message": "organization not found"}, true, false},
		{"400 of an org that does not own the token", 400, map[string]string{"code": "invalid", "message": "failed to decode request body: organization not found"}, true, false},
		{"401: may not read organizations", 401, map[string]string{"code": "unauthorized", "message": "unauthorized access"}, false, true},
	}
	for _, tc := range cases {
		fs := newFakeServer(t, APIScripts)
		fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
			writeJSON(w, tc.status, tc.body)
			return true
		}
		err := newTestClient(t, fs.URL()).CheckOrg(ctx, testOrgID)
		if got := errors.Is(err, ErrOrgNotFound); got != tc.wantOrg {
			t.Errorf("%s: CheckOrg = %v; ErrOrgNotFound %v, want %v", tc.name, err, got, tc.wantOrg)
		}
		if got := hasStatus(err, http.StatusUnauthorized); got != tc.wantUnauth {
			t.Errorf("%s: CheckOrg = %v; a 401 %v, want %v", tc.name, err, got, tc.wantUnauth)
		}
		if !tc.wantOrg && !tc.wantUnauth && err != nil {
			t.Errorf("%s: CheckOrg = %v", tc.name, err)
		}
		assertNoToken(t, err)
	}
}

// TestCheckOrgKnownFromEarlierAnswers: an organization that a name lookup
// or a functions detection already showed needs no request of its own.
func TestCheckOrgKnownFromEarlierAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	fs := newFakeServer(t, APIScripts)
	c := newTestClient(t, fs.URL())
	id, err := c.LookupOrgID(ctx, "my org")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckOrg(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := len(fs.requests()); n != 1 {
		t.Errorf("%d requests after a lookup by name and a check, want 1", n)
	}

	fn := newFakeServer(t, APIFunctions)
	c = newTestClient(t, fn.URL(), WithAPI(APIAuto))
	if _, err := c.Capabilities(ctx, testOrgID); err != nil {
		t.Fatal(err)
	}
	before := len(fn.requests())
	if err := c.CheckOrg(ctx, testOrgID); err != nil {
		t.Fatal(err)
	}
	if n := len(fn.requests()) - before; n != 0 {
		t.Errorf("%d requests for an organization whose functions were listed, want 0", n)
	}
}
