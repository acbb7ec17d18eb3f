package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

const invocationAddr = "data.influxdb_invocable_script_invocation.q"

// typedParamsFlux references every parameter typedParamsHCL supplies.
const typedParamsFlux = `from(bucket: params.bucket)
  |> range(start: -1h)
  |> limit(n: params.limit)
  |> map(fn: (r) => ({r with ratio: params.ratio, flags: params.flags, list: params.list}))
`

// typedParamsHCL gives one parameter of each JSON type.
const typedParamsHCL = `{
    bucket = "telegraf"
    limit  = 5
    ratio  = 2.5
    flags  = { on = true, n = 5, s = "5" }
    list   = [1, "a", null]
  }`

// apiSetting is the scripts_api setting of the data source tests: pinned
// to "scripts" in the main run, so that no detection request is made, and
// left to detection ("auto") in the run against an emulator that serves
// only /api/v2/functions, which then proves that detection finds it
// (requests() leaves detection's lists out of the counts).
func (s *testServer) apiSetting() string {
	if functionsOnly() {
		return ""
	}
	return s.pinnedAPI()
}

// pinnedAPI pins the provider to the generation under test.
func (s *testServer) pinnedAPI() string {
	if functionsOnly() {
		return `  scripts_api = "functions"`
	}
	return `  scripts_api = "scripts"`
}

func invocationConfig(s *testServer, id, params, extra string) string {
	return s.providerBlock(s.apiSetting()) + fmt.Sprintf(`
data "influxdb_invocable_script_invocation" "q" {
  script_id = %q
  params    = %s
%s
}
`, id, params, extra)
}

func emulatorRow(param, value string) knownvalue.Check {
	return knownvalue.MapExact(map[string]knownvalue.Check{
		"result": knownvalue.StringExact("_result"),
		"table":  knownvalue.StringExact("0"),
		"param":  knownvalue.StringExact(param),
		"value":  knownvalue.StringExact(value),
	})
}

func TestAccInvocableScriptInvocationDataSource_typedParams(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t) // checks the emulator's echo of the parameters
	id := s.createOutOfBand(t, "typed", typedParamsFlux)

	// The emulator echoes every parameter as its JSON value, so the rows show
	// which JSON type each one reached the server as.
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(invocationAddr, tfjsonpath.New("max_result_bytes"), knownvalue.Int64Exact(10485760)),
	}
	if functionsOnly() {
		// The functions generation answers JSON: kept in result, not parsed.
		checks = append(checks,
			statecheck.ExpectKnownValue(invocationAddr, tfjsonpath.New("content_type"), knownvalue.StringRegexp(regexp.MustCompile(`^application/json`))),
			statecheck.ExpectKnownValue(invocationAddr, tfjsonpath.New("result"), knownvalue.StringExact(
				`{"result":[{"param":"bucket","value":"telegraf"},{"param":"flags","value":{"n":5,"on":true,"s":"5"}},{"param":"limit","value":5},{"param":"list","value":[1,"a",null]},{"param":"ratio","value":2.5}]}`+"\n")),
			statecheck.ExpectKnownValue(invocationAddr, tfjsonpath.New("columns"), knownvalue.ListSizeExact(0)),
			statecheck.ExpectKnownValue(invocationAddr, tfjsonpath.New("rows"), knownvalue.ListSizeExact(0)),
		)
	} else {
		checks = append(checks,
			statecheck.ExpectKnownValue(invocationAddr, tfjsonpath.New("content_type"), knownvalue.StringExact("text/csv; charset=utf-8")),
			statecheck.ExpectKnownValue(invocationAddr, tfjsonpath.New("result"), knownvalue.StringRegexp(regexp.MustCompile(`^,result,table,param,value\r\n,_result,0,bucket,telegraf\r\n`))),
			statecheck.ExpectKnownValue(invocationAddr, tfjsonpath.New("columns"), knownvalue.ListExact([]knownvalue.Check{
				knownvalue.StringExact("result"), knownvalue.StringExact("table"), knownvalue.StringExact("param"), knownvalue.StringExact("value"),
			})),
			statecheck.ExpectKnownValue(invocationAddr, tfjsonpath.New("rows"), knownvalue.ListExact([]knownvalue.Check{
				emulatorRow("bucket", "telegraf"),
				emulatorRow("flags", `{"n":5,"on":true,"s":"5"}`),
				emulatorRow("limit", "5"),
				emulatorRow("list", `[1,"a",null]`),
				emulatorRow("ratio", "2.5"),
			})),
		)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:            invocationConfig(s, id, typedParamsHCL, ""),
				ConfigStateChecks: checks,
			},
			{
				// A data source runs the script again on every refresh.
				PreConfig:    s.ResetStats,
				RefreshState: true,
				Check: s.expectRequestsFunc(map[string]int{
					scriptsRoute("POST", "/{id}/invoke"): 1,
					scriptsRoute("GET", "/{id}/params"):  0,
					scriptsRoute("GET", "/{id}"):         0,
				}),
			},
		},
	})
}

func TestAccInvocableScriptInvocationDataSource_missingParams(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	id := s.createOutOfBand(t, "needs_two", "from(bucket: params.bucket)\n  |> range(start: params.start)\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      invocationConfig(s, id, `{ bucket = "telegraf" }`, ""),
				ExpectError: errorRe("Missing Script Parameters", `references the parameter "start", which params does not supply`, `Add it to params, e.g. params = { start = ... }`, "invalid parameters provided"),
			},
			{
				Config:      invocationConfig(s, id, `{}`, ""),
				ExpectError: errorRe("Missing Script Parameters", `references the parameters "bucket" and "start", which params does not supply`),
			},
		},
	})
}

func TestAccInvocableScriptInvocationDataSource_notFound(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      invocationConfig(s, "0123456789abcdef", `{}`, ""),
				ExpectError: errorRe("Script Not Found", `no script with id "0123456789abcdef"`, "Check script_id"),
			},
		},
	})
}

// Invoke also answers 404 when the script exists but reads something that
// does not (a bucket): that is reported as the script failing, not as a
// wrong script_id.
func TestAccInvocableScriptInvocationDataSource_runtimeNotFound(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	id := s.createOutOfBand(t, "reads_a_bucket", lastPointFlux)
	// In front of the emulator, an invocation fails as InfluxDB Cloud's does
	// for a missing bucket; every other request reaches the emulator.
	var readsFail atomic.Bool
	frontURL := s.frontURL(t, func(w http.ResponseWriter, r *http.Request) {
		if readsFail.Load() && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/"+id) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"code":"internal error","message":"try later"}`)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/invoke") {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Platform-Error-Code", "not found")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"code":"not found","message":"failed to initialize execute state: could not find bucket \"nope\""}`)
			return
		}
		s.ServeHTTP(w, r)
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: s.providerBlock(frontURL, s.apiSetting()) + fmt.Sprintf(`
data "influxdb_invocable_script_invocation" "q" {
  script_id = %q
  params    = { bucket = "nope" }
}
`, id),
				ExpectError: errorRe("Script Failed", "Script "+id+" exists", "could not find bucket"),
			},
			{
				// When the script cannot be read either, the error says that
				// it cannot tell, not that script_id is wrong.
				PreConfig: func() { readsFail.Store(true) },
				Config: s.providerBlock(frontURL, s.apiSetting(), "max_retries = 0") + fmt.Sprintf(`
data "influxdb_invocable_script_invocation" "q" {
  script_id = %q
  params    = { bucket = "nope" }
}
`, id),
				ExpectError: errorRe("Unable To Invoke Script", "could not read the script to tell whether it is missing or failed", "could not find bucket", "Reading the script", "HTTP 500"),
			},
		},
	})
}

func TestAccInvocableScriptInvocationDataSource_maxResultBytes(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t) // depends on the size of the emulator's answer
	id := s.createOutOfBand(t, "big", typedParamsFlux)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      invocationConfig(s, id, typedParamsHCL, "  max_result_bytes = 20"),
				ExpectError: errorRe("Script Result Too Large", "more than max_result_bytes (20 bytes)", "Raise max_result_bytes"),
			},
			{
				// Just large enough is fine.
				Config: invocationConfig(s, id, `{ bucket = "b", limit = 1, ratio = 1, flags = 1, list = 1 }`, "  max_result_bytes = 200"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(invocationAddr, tfjsonpath.New("max_result_bytes"), knownvalue.Int64Exact(200)),
					statecheck.ExpectKnownValue(invocationAddr, tfjsonpath.New("result"), knownvalue.StringRegexp(regexp.MustCompile(`"?limit"?`))),
				},
			},
		},
	})
}

// Bad input is refused at plan time, naming the attribute, and no script runs.
func TestAccInvocableScriptInvocationDataSource_badInput(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	id := s.createOutOfBand(t, "any", lastPointFlux)
	s.ResetStats()
	cases := []struct {
		params, extra string
		want          *regexp.Regexp
	}{
		{`"telegraf"`, "", errorRe("Invalid Script Parameters", "params must be an object", "but it is a string")},
		{`["telegraf", 5]`, "", errorRe("Invalid Script Parameters", "params must be an object", "but it is a list")},
		{`5`, "", errorRe("Invalid Script Parameters", "params must be an object", "but it is a number")},
		{`{ bucket = "b" }`, "  max_result_bytes = 0", errorRe("Attribute max_result_bytes value must be between 1 and 1073741824")},
		{`{ bucket = "b" }`, "  max_result_bytes = 9223372036854775807", errorRe("Attribute max_result_bytes value must be between 1 and 1073741824")},
	}
	steps := make([]resource.TestStep, 0, len(cases)+1)
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{Config: invocationConfig(s, id, tc.params, tc.extra), PlanOnly: true, ExpectError: tc.want})
	}
	steps = append(steps, resource.TestStep{
		Config:      invocationConfig(s, "", `{}`, ""),
		PlanOnly:    true,
		ExpectError: errorRe("Attribute script_id string length must be at least 1"),
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps:                    steps,
	})
	s.expectNoRequests(t, "bad input")
}

// fakeAnswer is what the fake server answers to an invocation.
type fakeAnswer struct {
	contentType string
	body        string
}

// newFakeScriptsAPI serves the few /api/v2/scripts routes the data sources
// use, with answers the emulator never gives: results that are not plain
// CSV, and two scripts of one name. list holds the scripts; answers maps a
// script id to its invocation result.
func newFakeScriptsAPI(t *testing.T, list []map[string]any, answers map[string]fakeAnswer) string {
	t.Helper()
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	find := func(id string) map[string]any {
		for _, s := range list {
			if s["id"] == id {
				return s
			}
		}
		return nil
	}
	mux.HandleFunc("GET /api/v2/scripts", func(w http.ResponseWriter, r *http.Request) {
		out := []map[string]any{}
		for _, s := range list {
			// The name filter matches parts of names, as Cloud's may: the
			// provider must compare names exactly itself.
			if name := r.URL.Query().Get("name"); name == "" || strings.Contains(fmt.Sprint(s["name"]), name) {
				out = append(out, s)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"scripts": out})
	})
	mux.HandleFunc("GET /api/v2/scripts/{id}", func(w http.ResponseWriter, r *http.Request) {
		if s := find(r.PathValue("id")); s != nil {
			writeJSON(w, http.StatusOK, s)
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "not found", "message": "script not found"})
	})
	mux.HandleFunc("GET /api/v2/scripts/{id}/params", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"params": map[string]string{}})
	})
	mux.HandleFunc("POST /api/v2/scripts/{id}/invoke", func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.PathValue("id")]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"code": "not found", "message": "script not found"})
			return
		}
		w.Header().Set("Content-Type", a.contentType)
		_, _ = w.Write([]byte(a.body))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func fakeProviderBlock(url string) string {
	return fmt.Sprintf(`
provider "influxdb" {
  url         = %q
  token       = "fake-token"
  scripts_api = "scripts"
  max_retries = 0
}
`, url)
}

// annotatedCSV is Flux's annotated CSV with two tables of different shapes;
// the empty result cells take their #default.
const annotatedCSV = "#datatype,string,long,dateTime:RFC3339,double,string\r\n" +
	"#group,false,false,false,false,true\r\n" +
	"#default,_result,,,,\r\n" +
	",result,table,_time,_value,_field\r\n" +
	",,0,2024-01-01T00:00:00Z,1.5,temp\r\n" +
	",,0,2024-01-01T00:01:00Z,2.5,temp\r\n" +
	"\r\n" +
	"#datatype,string,long,string\r\n" +
	"#group,false,false,true\r\n" +
	"#default,_result,,\r\n" +
	",result,table,host\r\n" +
	",,1,\"a,b\"\r\n"

func TestAccInvocableScriptInvocationDataSource_resultFormats(t *testing.T) {
	url := newFakeScriptsAPI(t, nil, map[string]fakeAnswer{
		"00000000000000a1": {"application/json; charset=utf-8", `{"answer":42}`},
		"00000000000000a2": {"text/csv; charset=utf-8", annotatedCSV},
		"00000000000000a3": {"text/csv", ""},
		"00000000000000a4": {"text/csv", ",a,b\n,1,2,3\n"},
	})
	config := fakeProviderBlock(url) + `
data "influxdb_invocable_script_invocation" "json" {
  script_id = "00000000000000a1"
}
data "influxdb_invocable_script_invocation" "annotated" {
  script_id = "00000000000000a2"
  params    = { any = "thing" }
}
data "influxdb_invocable_script_invocation" "empty" {
  script_id = "00000000000000a3"
}
`
	empty := knownvalue.ListSizeExact(0)
	str := knownvalue.StringExact
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					// A body that is not CSV is kept, not parsed.
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.json", tfjsonpath.New("result"), str(`{"answer":42}`)),
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.json", tfjsonpath.New("content_type"), str("application/json; charset=utf-8")),
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.json", tfjsonpath.New("columns"), empty),
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.json", tfjsonpath.New("rows"), empty),
					// Annotated CSV with two tables: columns in first-seen order.
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.annotated", tfjsonpath.New("result"), str(annotatedCSV)),
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.annotated", tfjsonpath.New("columns"), knownvalue.ListExact([]knownvalue.Check{
						str("result"), str("table"), str("_time"), str("_value"), str("_field"), str("host"),
					})),
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.annotated", tfjsonpath.New("rows"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.MapExact(map[string]knownvalue.Check{"result": str("_result"), "table": str("0"), "_time": str("2024-01-01T00:00:00Z"), "_value": str("1.5"), "_field": str("temp")}),
						knownvalue.MapExact(map[string]knownvalue.Check{"result": str("_result"), "table": str("0"), "_time": str("2024-01-01T00:01:00Z"), "_value": str("2.5"), "_field": str("temp")}),
						knownvalue.MapExact(map[string]knownvalue.Check{"result": str("_result"), "table": str("1"), "host": str("a,b")}),
					})),
					// An empty result is empty lists, not an error.
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.empty", tfjsonpath.New("result"), str("")),
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.empty", tfjsonpath.New("columns"), empty),
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.empty", tfjsonpath.New("rows"), empty),
				},
			},
			{
				// CSV that cannot be read is kept raw, with a warning.
				Config: fakeProviderBlock(url) + `
data "influxdb_invocable_script_invocation" "broken" {
  script_id = "00000000000000a4"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.broken", tfjsonpath.New("result"), str(",a,b\n,1,2,3\n")),
					statecheck.ExpectKnownValue("data.influxdb_invocable_script_invocation.broken", tfjsonpath.New("rows"), empty),
				},
			},
		},
	})
}
