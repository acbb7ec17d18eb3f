package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/contract"
	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

// testAccProviders serves the provider in-process to the CLI under test.
var testAccProviders = map[string]func() (tfprotov6.ProviderServer, error){
	"influxdb": providerserver.NewProtocol6WithError(New("test")()),
}

// testServer is an emulator behind a real HTTP listener on 127.0.0.1.
type testServer struct {
	*emulator.Server
	// handler is the emulator behind the contract validator: what the
	// listener at URL serves and what ServeHTTP passes requests to.
	handler http.Handler
	URL     string
	Token   string
	OrgID   string
	// t is the test the server belongs to: helpers fail it on bad input and
	// log there every check they cannot make.
	t *testing.T
}

// ServeHTTP serves r as the listener at URL does, contract validation
// included. Tests that put a fake server in front of the emulator pass it
// the requests they do not answer themselves: what the emulator is asked and
// answers is validated; what the front makes up itself is not the
// emulator's and is not.
func (s *testServer) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// newTestServer starts an emulator for one test. By default it serves the
// current /api/v2/scripts generation to one organization.
//
// With INFLUXDB_TEST_CLOUD=1 and INFLUXDB_URL, INFLUXDB_TOKEN and
// INFLUXDB_ORG_ID set (make testacc-cloud), tests run against that real
// account instead. Tests that need the emulator's own features (several
// organizations, fault injection) are skipped there, and checks of the
// emulator's request counts and contents are not made: a real server does
// not expose them.
func newTestServer(t *testing.T, opts emulator.Options) *testServer {
	t.Helper()
	if os.Getenv("INFLUXDB_TEST_CLOUD") != "" {
		if !reflect.ValueOf(opts).IsZero() {
			t.Skip("this test needs the emulator's organizations or fault injection, which a real account does not have")
		}
		s := &testServer{URL: os.Getenv("INFLUXDB_URL"), Token: os.Getenv("INFLUXDB_TOKEN"), OrgID: os.Getenv("INFLUXDB_ORG_ID"), t: t}
		if s.URL == "" || s.Token == "" || s.OrgID == "" {
			t.Fatal("INFLUXDB_TEST_CLOUD needs INFLUXDB_URL, INFLUXDB_TOKEN and INFLUXDB_ORG_ID")
		}
		return s
	}
	if opts.APIs == "" {
		opts.APIs = testAPIs()
	}
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatalf("starting emulator: %v", err)
	}
	handler := validatedEmulator(t, emu, opts.APIs)
	srv := httptest.NewServer(handler)
	t.Cleanup(func() {
		srv.Close()
		_ = emu.Close()
	})
	org := emulator.Org{ID: emulator.DefaultOrgID, Tokens: []string{"emulator-token"}}
	if len(opts.Orgs) > 0 {
		org = opts.Orgs[0]
	}
	return &testServer{Server: emu, handler: handler, URL: srv.URL, Token: org.Tokens[0], OrgID: org.ID, t: t}
}

// validatedEmulator wraps emu (serving the generations apis names) in the
// contract validator: every exchange the emulator handles, the provider's
// and the tests' own, is checked against the OpenAPI contracts, and each
// violation fails t when the test ends. The contracts are required test
// data: without them the test fails, it does not skip.
//
// Call it before the listener's cleanup is registered: the handler runs on
// the server's goroutines, so the violations are collected under a lock and
// reported by a cleanup that, registered first, runs last, after the
// listener has closed and every request on it has finished.
func validatedEmulator(t *testing.T, emu *emulator.Server, apis string) http.Handler {
	t.Helper()
	contracts := contract.Require(t)

	var (
		name       = t.Name()
		mu         sync.Mutex
		violations []string
		ended      bool
	)
	report := func(err error) {
		var v *contract.Violation
		if errors.As(err, &v) && injectedFault(v) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if ended { // cannot happen once the listener is closed; never touch t then
			fmt.Fprintf(os.Stderr, "%s: contract violation after the test ended: %v\n", name, err)
			return
		}
		violations = append(violations, err.Error())
	}
	// Closing the listener does not wait for handlers whose connection was
	// hijacked (a dropped create); inflight does, so that their checks are
	// reported too.
	var inflight sync.WaitGroup
	t.Cleanup(func() {
		inflight.Wait()
		mu.Lock()
		defer mu.Unlock()
		ended = true
		for _, v := range violations {
			t.Errorf("the emulator's traffic breaks the API contract: %s", v)
		}
	})

	validated := contract.Validate(contracts, emu, report)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unservedGeneration(apis, r.URL.Path) {
			emu.ServeHTTP(w, r)
			return
		}
		inflight.Add(1)
		defer inflight.Done()
		validated.ServeHTTP(w, r)
	})
}

// unservedGeneration reports whether path belongs to an API generation that
// an emulator serving apis does not serve. Such exchanges are not that
// contract's business: with INFLUXDB_TEST_APIS=functions the client's
// generation detection asks GET /api/v2/scripts?limit=1, and the emulator
// answers 404, as a server without that generation does. They pass
// unchecked; everything on a served generation is checked.
func unservedGeneration(apis, path string) bool {
	under := func(prefix string) bool { return path == prefix || strings.HasPrefix(path, prefix+"/") }
	switch {
	case under("/api/v2/scripts"):
		return apis == emulator.APIsFunctions
	case under("/api/v2/functions"):
		return apis != emulator.APIsFunctions && apis != emulator.APIsBoth
	}
	return false
}

// injectedFault reports whether v is an injected 429 or 503 (emulator.Faults)
// that breaks its operation only because the operation documents neither
// that status nor a default response: a fault is not the API's answer, so
// the contract need not list it. The emulator is believed only when it says
// it injected the fault, in the message of its answer. Faults an operation
// does document (its status or a default) are validated like any answer,
// and every operation of the scripts and functions contracts has a default.
// (Dropped connections and clients that gave up leave no response, which
// contract.Validate does not check; see there.)
func injectedFault(v *contract.Violation) bool {
	ex := v.Exchange
	if v.Part != contract.PartResponse || !errors.Is(v, contract.ErrUndocumentedStatus) ||
		(ex.Status != http.StatusTooManyRequests && ex.Status != http.StatusServiceUnavailable) {
		return false
	}
	var body struct {
		Message string `json:"message"`
	}
	return json.Unmarshal(ex.Body, &body) == nil && strings.HasSuffix(body.Message, "(fault injected by emulator)")
}

// TestContractExceptions pins how narrowly the acceptance suite's contract
// validation lets exchanges pass.
func TestContractExceptions(t *testing.T) {
	for _, tc := range []struct {
		apis, path string
		unserved   bool
	}{
		{emulator.APIsFunctions, "/api/v2/scripts", true},
		{emulator.APIsFunctions, "/api/v2/scripts/abc/invoke", true},
		{emulator.APIsFunctions, "/api/v2/functions", false},
		{emulator.APIsFunctions, "/api/v2/orgs", false},
		{emulator.APIsScripts, "/api/v2/functions/abc", true},
		{emulator.APIsScripts, "/api/v2/scripts", false},
		{emulator.APIsScripts, "/api/v2/scriptsx", false},
		{"", "/api/v2/functions", true},
		{emulator.APIsBoth, "/api/v2/functions", false},
		{emulator.APIsBoth, "/api/v2/scripts", false},
	} {
		if got := unservedGeneration(tc.apis, tc.path); got != tc.unserved {
			t.Errorf("unservedGeneration(%q, %q) = %v", tc.apis, tc.path, got)
		}
	}

	undocumented := fmt.Errorf("%w: status is not supported", contract.ErrUndocumentedStatus)
	injected := []byte(`{"code":"unavailable","message":"service unavailable (fault injected by emulator)"}`)
	for _, tc := range []struct {
		name   string
		part   string
		err    error
		status int
		body   []byte
		want   bool
	}{
		{"injected 503", contract.PartResponse, undocumented, 503, injected, true},
		{"injected 429", contract.PartResponse, undocumented, 429, []byte(`{"code":"too many requests","message":"too many requests (fault injected by emulator)"}`), true},
		{"503 the emulator did not inject", contract.PartResponse, undocumented, 503, []byte(`{"code":"unavailable","message":"service unavailable"}`), false},
		{"injected, but the body breaks a documented response", contract.PartResponse, errors.New("body breaks the schema"), 503, injected, false},
		{"other status", contract.PartResponse, undocumented, 500, injected, false},
		{"request", contract.PartRequest, undocumented, 503, injected, false},
	} {
		v := &contract.Violation{Part: tc.part, Err: tc.err, Exchange: &contract.Exchange{Responded: true, Status: tc.status, Body: tc.body}}
		if got := injectedFault(v); got != tc.want {
			t.Errorf("%s: injectedFault = %v", tc.name, got)
		}
	}
}

// requireEmulator skips a test that needs the emulator's fault injection
// or contents when it runs against a real account.
func (s *testServer) requireEmulator(t *testing.T) {
	t.Helper()
	if s.onCloud() {
		t.Skip("this test injects faults or inspects the server's contents, which only the emulator allows")
	}
}

// skipOnCloud logs a check that is not made on a real account, which does
// not expose request counts or contents.
func (s *testServer) skipOnCloud(check string) {
	s.t.Helper()
	s.t.Logf("not checked on a real account: %s", check)
}

// onCloud reports whether the test talks to a real account.
func (s *testServer) onCloud() bool { return s.Server == nil }

// ResetStats forgets the emulator's request counts (nothing on a real account).
func (s *testServer) ResetStats() {
	if !s.onCloud() {
		s.Server.ResetStats()
	}
}

// testAPIs lets the whole suite run against an emulator that serves only
// the older generation: INFLUXDB_TEST_APIS=functions.
func testAPIs() string {
	if v := os.Getenv("INFLUXDB_TEST_APIS"); v != "" {
		return v
	}
	return "scripts"
}

func functionsOnly() bool { return testAPIs() == "functions" }

// providerBlock configures the provider for s. Each extra line is a
// "name = value" setting that replaces the default of the same name, or
// blank for none (apiSetting on the older generation); any other line fails
// the test rather than be dropped.
func (s *testServer) providerBlock(extra ...string) string {
	s.t.Helper()
	settings := [][2]string{
		{"url", fmt.Sprintf("%q", s.URL)},
		{"token", fmt.Sprintf("%q", s.Token)},
		{"org_id", fmt.Sprintf("%q", s.OrgID)},
		{"max_retries", "3"},
	}
	for _, line := range extra {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" || value == "" {
			s.t.Fatalf("providerBlock: setting %q is not of the form name = value", line)
		}
		replaced := false
		for i := range settings {
			if settings[i][0] == name {
				settings[i][1], replaced = value, true
			}
		}
		if !replaced {
			settings = append(settings, [2]string{name, value})
		}
	}
	var b strings.Builder
	b.WriteString("\nprovider \"influxdb\" {\n")
	for _, kv := range settings {
		fmt.Fprintf(&b, "  %s = %s\n", kv[0], kv[1])
	}
	b.WriteString("}\n")
	return b.String()
}

// requests returns how many requests the emulator saw for a "METHOD ROUTE"
// key, as given (build scripts routes with scriptsRoute). In the
// functions-only run, auto-detection lists /api/v2/functions after its
// /api/v2/scripts probe found no route; those lists are not the operation's
// own, so the list count leaves them out and says so.
func (s *testServer) requests(key string) int {
	if s.onCloud() {
		s.skipOnCloud("request count of " + key)
		return 0
	}
	st := s.Stats()
	if functionsOnly() && key == "GET /api/v2/functions" {
		if n := st["GET unknown"]; n > 0 {
			s.t.Logf("%s: %d request(s), of which %d came from API generation detection and are not counted", key, st[key], n)
			return st[key] - n
		}
	}
	return st[key]
}

// usingOpenTofu reports whether the CLI under test is OpenTofu, whose
// version numbers mean different features than Terraform's.
func usingOpenTofu() bool {
	return strings.HasPrefix(filepath.Base(os.Getenv("TF_ACC_TERRAFORM_PATH")), "tofu")
}

// cliCheck gates a test on a feature: minimum Terraform and OpenTofu
// versions (an empty one means that CLI lacks the feature).
type cliCheck struct {
	feature   string
	terraform string
	opentofu  string
}

func (c cliCheck) CheckTerraformVersion(_ context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	minimum, cli := c.terraform, "Terraform"
	if usingOpenTofu() {
		minimum, cli = c.opentofu, "OpenTofu"
	}
	if minimum == "" {
		resp.Skip = fmt.Sprintf("%s has no %s", cli, c.feature)
		return
	}
	if req.TerraformVersion.LessThan(version.Must(version.NewVersion(minimum))) {
		resp.Skip = fmt.Sprintf("%s needs %s %s or later; this is %s", c.feature, cli, minimum, req.TerraformVersion)
	}
}

var (
	needsFunctions = cliCheck{feature: "provider-defined functions", terraform: "1.8.0", opentofu: "1.7.0"}
	needsEphemeral = cliCheck{feature: "ephemeral resources", terraform: "1.10.0", opentofu: "1.11.0"}
	needsIdentity  = cliCheck{feature: "import by resource identity", terraform: "1.12.0", opentofu: "1.12.0"}
)
