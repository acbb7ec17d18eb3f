package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

// manyScripts declares n scripts with distinct names.
func manyScripts(n int) string {
	return fmt.Sprintf(`
resource "influxdb_invocable_script" "many" {
  count  = %d
  name   = "script-${count.index}"
  script = "from(bucket: params.bucket) |> range(start: -${count.index + 1}m)"
}
`, n)
}

// expectNoDuplicates asserts every script name in the organization is unique.
func (s *testServer) expectNoDuplicates() serverCheck {
	return func() error {
		seen := map[string]bool{}
		for _, name := range s.ScriptNames(s.OrgID) {
			if seen[name] {
				return fmt.Errorf("duplicate script %q on the server", name)
			}
			seen[name] = true
		}
		return nil
	}
}

// Every 3rd request answers 503 and every 5th 429 (both with Retry-After):
// 50 scripts at Terraform's default parallelism of 10 still apply, exactly
// once each, and destroy leaves nothing.
func TestAccReliability_rateLimitsAndOutages(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	s.SetFaults(emulator.Faults{Every503: 3, Every429: 5})
	config := s.providerBlock(`  max_retries = 10`) + manyScripts(50)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					s.expectScriptCount(s.OrgID, 50),
					s.expectNoDuplicates(),
					serverCheck(func() error {
						if s.requests(scriptsRoute("POST", "")) <= 50 {
							return fmt.Errorf("no create was refused by an injected fault (%v); the test proves nothing", s.Stats())
						}
						return nil
					}),
				},
			},
			{
				// Still faulty: the plan after apply is empty, nothing new is made.
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{s.expectScriptCount(s.OrgID, 50)},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if n := s.ScriptCount(s.OrgID); n != 0 {
				return fmt.Errorf("%d scripts left after destroy", n)
			}
			return nil
		},
	})
}

// Every 3rd request answers 503 without Retry-After, after which a create
// is ambiguous (the server may have acted): the provider looks each name up
// before sending it again, and 10 scripts are each made exactly once.
func TestAccReliability_outagesWithoutRetryAfter(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	s.SetFaults(emulator.Faults{Every503: 3, OmitRetryAfter: true})
	config := s.providerBlock(`  max_retries = 10`, s.pinnedAPI()) + manyScripts(10)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				PreConfig: s.ResetStats,
				Config:    config,
				ConfigStateChecks: []statecheck.StateCheck{
					s.expectScriptCount(s.OrgID, 10),
					s.expectNoDuplicates(),
					serverCheck(func() error {
						// With the generation pinned, every list is a lookup by name.
						if s.requests(scriptsRoute("GET", "")) == 0 {
							return fmt.Errorf("no create was followed by a lookup (%v); the test proves nothing", s.Stats())
						}
						return nil
					}),
				},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if n := s.ScriptCount(s.OrgID); n != 0 {
				return fmt.Errorf("%d scripts left after destroy", n)
			}
			return nil
		},
	})
}

// The server stores the script and then drops the connection: the provider
// finds the script by name and adopts it rather than creating a second one.
func TestAccReliability_createThenDrop(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { s.SetFaults(emulator.Faults{DropAfterCreate: 1}) },
				Config:    scriptConfig(s, "dropped", "", lastPointFlux),
				ConfigStateChecks: []statecheck.StateCheck{
					s.expectScriptCount(s.OrgID, 1),
					statecheck.ExpectKnownValue(scriptAddr, tfjsonpath.New("name"), knownvalue.StringExact("dropped")),
					s.expectRequests(map[string]int{scriptsRoute("POST", ""): 1}),
				},
			},
		},
	})
}

// A server slower than the timeout: a clear timeout error after the
// retries, nothing created twice, and a later apply converges.
func TestAccReliability_timeout(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	s.requireEmulator(t)
	// The generation is pinned, and the organization check answered at
	// once by a front, so that the first slow request is the create itself,
	// not a detection or a check that would time out before it.
	front := s.frontURL(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/orgs" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"orgs":[{"id":%q,"name":"emulator"}]}`, s.OrgID)
			return
		}
		s.ServeHTTP(w, r)
	})
	slow := s.providerBlock(front, `  timeout = "300ms"`, `  max_retries = 1`, s.pinnedAPI()) + `
resource "influxdb_invocable_script" "last_point" {
  name   = "slow"
  script = "from(bucket: params.bucket) |> range(start: -1h)"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					s.ResetStats()
					s.SetFaults(emulator.Faults{Latency: 2 * time.Second})
				},
				Config:      slow,
				ExpectError: errorRe(`Unable To Create Script`, `create script "slow"`, `attempts`),
			},
			{
				PreConfig: func() {
					// The failed apply did reach the create (the emulator drops
					// a request whose client gave up, so nothing was stored).
					if n := s.requests(scriptsRoute("POST", "")); n < 1 {
						t.Errorf("the timed-out apply sent no create, so the test proves nothing (%v)", s.Stats())
					}
					s.SetFaults(emulator.Faults{})
				},
				Config: slow,
				ConfigStateChecks: []statecheck.StateCheck{
					s.expectScriptCount(s.OrgID, 1),
					s.expectNoDuplicates(),
				},
			},
		},
	})
}

// A server that does not answer like the API: each case is a readable error
// naming the operation and the HTTP status, never a crash.
func TestAccReliability_garbageAnswers(t *testing.T) {
	cases := []struct {
		name   string
		status int
		ctype  string
		body   string
		want   string
	}{
		{"proxy html page", http.StatusBadGateway, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>", `create script "victim": HTTP 502 Bad Gateway: non-JSON response: 502 Bad Gateway 502 Bad Gateway nginx`},
		{"empty body", http.StatusCreated, "application/json", "", `create script "victim": HTTP 201: unexpected response body: empty response body`},
		{"truncated json", http.StatusCreated, "application/json", `{"id":"0a1b2c3d4e5f6071","name":"vic`, `create script "victim": HTTP 201: unexpected response body`},
		{"wrong shape", http.StatusCreated, "application/json", `["not","a","script"]`, `create script "victim": HTTP 201: unexpected response body`},
		{"object without id", http.StatusCreated, "application/json", `{"name":"victim"}`, `create script "victim": HTTP 201: unexpected response body: script has no id`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					// The ambiguous-create lookup finds nothing.
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(`{"scripts":[]}`))
					return
				}
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf(`
provider "influxdb" {
  url         = %q
  token       = "garbage-server-token"
  scripts_api = "scripts"
  max_retries = 0
}
resource "influxdb_invocable_script" "victim" {
  name   = "victim"
  script = "from(bucket: params.bucket)"
}
`, srv.URL),
					// Terraform wraps long lines, so any run of spaces may be a newline.
					ExpectError: regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(tc.want), " ", `\s+`)),
				}},
			})
		})
	}
}

// Bad provider settings are refused at plan time, naming the attribute,
// before anything reaches the server.
func TestAccReliability_badProviderConfig(t *testing.T) {
	s := newTestServer(t, emulator.Options{})
	resourceBlock := `
resource "influxdb_invocable_script" "x" {
  name   = "x"
  script = "from(bucket: params.bucket)"
}
`
	cases := []struct{ setting, want string }{
		{`url = "ftp://example.com"`, `(?s)Invalid InfluxDB URL.*http`},
		{`timeout = "soon"`, `(?s)Invalid Duration.*"soon"`},
		{`max_retries = -1`, `(?s)Attribute max_retries value must be between 0 and 100`},
		{`scripts_api = "v3"`, `(?s)Attribute scripts_api value must be one of`},
		{`org_id = "my-org"`, `(?s)Attribute org_id must be an InfluxDB organization ID`},
		{`ca_certificate = "not a certificate"`, `(?s)Invalid CA Certificate`},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      s.providerBlock(tc.setting) + resourceBlock,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(tc.want),
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps:                    steps,
	})
	s.expectNoRequests(t, "bad configuration")
}

// With TF_LOG=TRACE, neither Terraform's nor the provider's log holds the
// token, while the provider's debug lines (retries included) are there;
// whether the token comes from the environment or from the configuration.
func TestAccReliability_tokenNeverLogged(t *testing.T) {
	const token = "tok-5ecret-value-do-not-log-7f3a"
	for _, from := range []string{"environment", "configuration"} {
		t.Run(from, func(t *testing.T) {
			s := newTestServer(t, emulator.Options{Orgs: []emulator.Org{{ID: emulator.DefaultOrgID, Name: "emulator", Tokens: []string{token}}}})
			s.SetFaults(emulator.Faults{Every429: 4})
			logFile := filepath.Join(t.TempDir(), "trace.log")
			t.Setenv("TF_LOG", "TRACE")
			t.Setenv("TF_ACC_LOG_PATH", logFile)
			// Never in the configuration's text: the test harness logs each
			// step's configuration at TRACE, which is not ours to mask. A
			// sensitive variable carries it there, as users should.
			provider := fmt.Sprintf("provider \"influxdb\" {\n  url = %q\n  org_id = %q\n}\n", s.URL, s.OrgID)
			var vars config.Variables
			if from == "environment" {
				t.Setenv("INFLUXDB_TOKEN", token)
			} else {
				t.Setenv("INFLUXDB_TOKEN", "")
				provider = fmt.Sprintf("variable \"influxdb_token\" {\n  type      = string\n  sensitive = true\n}\nprovider \"influxdb\" {\n  url = %q\n  org_id = %q\n  token = var.influxdb_token\n}\n", s.URL, s.OrgID)
				vars = config.Variables{"influxdb_token": config.StringVariable(token)}
			}
			script := func(name, description string) string {
				return fmt.Sprintf("resource \"influxdb_invocable_script\" %q {\n  name = \"logged\"\n  description = %q\n  script = %q\n}\n", name, description, lastPointFlux)
			}

			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{
					{Config: provider + script("last_point", "first"), ConfigVariables: vars},
					{Config: provider + script("last_point", "second"), ConfigVariables: vars},
					{ResourceName: scriptAddr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}, ConfigVariables: vars},
					{
						// A failing request: its error text must not carry the token either.
						Config:          provider + script("last_point", "second") + script("dup", "dup"),
						ConfigVariables: vars,
						ExpectError:     regexp.MustCompile(`Script Name Already Taken`),
					},
				},
			})

			data, err := os.ReadFile(logFile)
			if err != nil {
				t.Fatalf("reading the trace log: %v", err)
			}
			log := string(data)
			if !strings.Contains(log, "retrying InfluxDB request") {
				t.Fatalf("the trace log (%d bytes) has no provider retry line; the test would prove nothing", len(data))
			}
			if strings.Contains(log, token) {
				i := strings.Index(log, token)
				t.Fatalf("the token appears in the TF_LOG=TRACE output near: %q", log[max(0, i-200):min(len(log), i+100)])
			}
		})
	}
}
