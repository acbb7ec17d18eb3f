package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
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
// current /api/v2/scripts generation to one organization. When
// INFLUXDB_URL, INFLUXDB_TOKEN and INFLUXDB_ORG_ID are all set, tests that
// allow it run against that real account instead (see CONTRIBUTING.md).
func newTestServer(t *testing.T, opts emulator.Options) *testServer {
	t.Helper()
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

// testAPIs lets the whole suite run against an emulator that serves only
// the older generation: INFLUXDB_TEST_APIS=functions.
func testAPIs() string {
	if v := os.Getenv("INFLUXDB_TEST_APIS"); v != "" {
		return v
	}
	return "scripts"
}

func functionsOnly() bool { return testAPIs() == "functions" }

// providerBlock configures the provider for s. Extra HCL lines go inside.
func (s *testServer) providerBlock(extra ...string) string {
	return fmt.Sprintf(`
provider "influxdb" {
  url         = %q
  token       = %q
  org_id      = %q
  max_retries = 3
%s
}
`, s.URL, s.Token, s.OrgID, strings.Join(extra, "\n"))
}

// requests returns how many requests the emulator saw for a "METHOD ROUTE"
// key such as "GET /api/v2/scripts/{id}", in the generation under test.
func (s *testServer) requests(key string) int {
	if functionsOnly() {
		key = strings.Replace(key, "/api/v2/scripts", "/api/v2/functions", 1)
	}
	return s.Stats()[key]
}

// writes counts every request that could change the server.
func (s *testServer) writes() int {
	n := 0
	for k, v := range s.Stats() {
		if strings.HasPrefix(k, "POST ") && !strings.HasSuffix(k, "/invoke") || strings.HasPrefix(k, "PATCH ") || strings.HasPrefix(k, "DELETE ") {
			n += v
		}
	}
	return n
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
