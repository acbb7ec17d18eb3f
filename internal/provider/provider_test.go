package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

// testAccProviders serves the provider in-process to the CLI under test.
var testAccProviders = map[string]func() (tfprotov6.ProviderServer, error){
	"influxdb": providerserver.NewProtocol6WithError(New("test")()),
}

// testServer is an emulator behind a real HTTP listener on 127.0.0.1.
type testServer struct {
	*emulator.Server
	URL   string
	Token string
	OrgID string
}

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
		s := &testServer{URL: os.Getenv("INFLUXDB_URL"), Token: os.Getenv("INFLUXDB_TOKEN"), OrgID: os.Getenv("INFLUXDB_ORG_ID")}
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
	srv := httptest.NewServer(emu)
	t.Cleanup(func() {
		srv.Close()
		_ = emu.Close()
	})
	org := emulator.Org{ID: emulator.DefaultOrgID, Tokens: []string{"emulator-token"}}
	if len(opts.Orgs) > 0 {
		org = opts.Orgs[0]
	}
	return &testServer{Server: emu, URL: srv.URL, Token: org.Tokens[0], OrgID: org.ID}
}

// requireEmulator skips a test that needs the emulator's fault injection
// or contents when it runs against a real account.
func (s *testServer) requireEmulator(t *testing.T) {
	t.Helper()
	if s.onCloud() {
		t.Skip("this test injects faults or inspects the server's contents, which only the emulator allows")
	}
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
// "name = value" setting that replaces the default of the same name.
func (s *testServer) providerBlock(extra ...string) string {
	settings := [][2]string{
		{"url", fmt.Sprintf("%q", s.URL)},
		{"token", fmt.Sprintf("%q", s.Token)},
		{"org_id", fmt.Sprintf("%q", s.OrgID)},
		{"max_retries", "3"},
	}
	for _, line := range extra {
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
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
// key such as "GET /api/v2/scripts/{id}", in the generation under test.
func (s *testServer) requests(key string) int {
	if s.onCloud() {
		return 0
	}
	st := s.Stats()
	if functionsOnly() {
		key = strings.Replace(key, "/api/v2/scripts", "/api/v2/functions", 1)
		if key == "GET /api/v2/functions" {
			// Each detection of the API generation asks for /api/v2/scripts
			// (an unknown route here) and then lists /api/v2/functions once;
			// those lists are not the operation's own.
			return st[key] - st["GET unknown"]
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
