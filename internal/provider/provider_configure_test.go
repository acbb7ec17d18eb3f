package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// configureWith runs the provider's Configure on a configuration given as
// attribute → value (string, bool, int64, or unknownValue), everything else null.
func configureWith(t *testing.T, attrs map[string]any) *provider.ConfigureResponse {
	t.Helper()
	p := &influxProvider{version: "test"}
	var sresp provider.SchemaResponse
	p.Schema(context.Background(), provider.SchemaRequest{}, &sresp)
	if sresp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", sresp.Diagnostics)
	}
	typ := sresp.Schema.Type().TerraformType(context.Background()).(tftypes.Object) //nolint:forcetypeassert // a provider schema is always an object
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		v, ok := attrs[name]
		switch {
		case !ok:
			vals[name] = tftypes.NewValue(at, nil)
		case v == unknownValue:
			vals[name] = tftypes.NewValue(at, tftypes.UnknownValue)
		default:
			vals[name] = tftypes.NewValue(at, v)
		}
	}
	cfg := tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, vals)}
	var resp provider.ConfigureResponse
	p.Configure(context.Background(), provider.ConfigureRequest{Config: cfg}, &resp)
	return &resp
}

type unknownMarker struct{}

var unknownValue = unknownMarker{}

// clearProviderEnv makes sure the machine's environment does not leak into
// a test.
func clearProviderEnv(t *testing.T) {
	t.Helper()
	for _, s := range providerSettings {
		for _, v := range s.env {
			t.Setenv(v, "")
		}
	}
}

// Configure must not touch the network: the server may be created in the
// same apply, and a plan must work offline.
func TestConfigure_makesNoRequest(t *testing.T) {
	clearProviderEnv(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()

	for name, attrs := range map[string]map[string]any{
		"reachable server":        {"url": srv.URL, "token": "t0k3n", "org": "by-name"},
		"auto detection":          {"url": srv.URL, "token": "t0k3n", "scripts_api": "auto"},
		"unreachable server":      {"url": "http://127.0.0.1:1", "token": "t0k3n"},
		"unknown until apply url": {"url": unknownValue, "token": "t0k3n"},
	} {
		t.Run(name, func(t *testing.T) {
			resp := configureWith(t, attrs)
			if resp.Diagnostics.HasError() {
				t.Fatalf("unexpected diagnostics: %v", resp.Diagnostics)
			}
			if resp.ResourceData == nil || resp.DataSourceData == nil {
				t.Fatal("Configure handed no data to resources and data sources")
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("Configure sent %d requests; it must send none", n)
	}
}

// An unknown setting is not an error until something needs the client.
func TestConfigure_unknownIsDeferred(t *testing.T) {
	clearProviderEnv(t)
	resp := configureWith(t, map[string]any{"url": unknownValue, "token": "t0k3n"})
	if resp.Diagnostics.HasError() {
		t.Fatalf("unknown url reported at Configure: %v", resp.Diagnostics)
	}
	data, ok := resp.ResourceData.(*providerData)
	if !ok {
		t.Fatalf("ResourceData is %T", resp.ResourceData)
	}
	_, diags := data.clientOrError()
	if !diags.HasError() || !strings.Contains(diags[0].Detail(), "url") {
		t.Fatalf("using the client should fail naming url, got %v", diags)
	}
}

func TestConfigure_settingErrors(t *testing.T) {
	const secret = "very-secret-token-value"
	cases := []struct {
		name     string
		attrs    map[string]any
		env      map[string]string
		wantAttr string
		want     []string
	}{
		{name: "missing url", attrs: map[string]any{"token": secret}, wantAttr: "url", want: []string{"INFLUXDB_URL", "INFLUX_HOST"}},
		{name: "missing token", attrs: map[string]any{"url": "https://example.com"}, wantAttr: "token", want: []string{"INFLUXDB_TOKEN", "INFLUX_TOKEN"}},
		{name: "bad url from env", env: map[string]string{"INFLUXDB_URL": "ftp://example.com", "INFLUXDB_TOKEN": secret}, wantAttr: "url", want: []string{"INFLUXDB_URL", "http"}},
		{name: "bad org id from env", attrs: map[string]any{"url": "https://example.com", "token": secret}, env: map[string]string{"INFLUX_ORG_ID": "my-org"}, wantAttr: "org_id", want: []string{"INFLUX_ORG_ID", "16"}},
		{name: "bad timeout from env", attrs: map[string]any{"url": "https://example.com", "token": secret}, env: map[string]string{"INFLUXDB_TIMEOUT": "soon"}, wantAttr: "timeout", want: []string{"INFLUXDB_TIMEOUT", "30s"}},
		{name: "bad max retries from env", attrs: map[string]any{"url": "https://example.com", "token": secret}, env: map[string]string{"INFLUXDB_MAX_RETRIES": "-1"}, wantAttr: "max_retries", want: []string{"INFLUXDB_MAX_RETRIES"}},
		{name: "bad api from env", attrs: map[string]any{"url": "https://example.com", "token": secret}, env: map[string]string{"INFLUXDB_SCRIPTS_API": "v3"}, wantAttr: "scripts_api", want: []string{"INFLUXDB_SCRIPTS_API", "auto"}},
		{name: "bad insecure from env", attrs: map[string]any{"url": "https://example.com", "token": secret}, env: map[string]string{"INFLUXDB_INSECURE_SKIP_VERIFY": "maybe"}, wantAttr: "insecure_skip_verify", want: []string{"INFLUXDB_INSECURE_SKIP_VERIFY"}},
		{name: "bad batch reads from env", attrs: map[string]any{"url": "https://example.com", "token": secret}, env: map[string]string{"INFLUXDB_BATCH_READS": "sometimes"}, wantAttr: "batch_reads", want: []string{"INFLUXDB_BATCH_READS", "true or false"}},
		{name: "bad ca from env", attrs: map[string]any{"url": "https://example.com", "token": secret}, env: map[string]string{"INFLUXDB_CA_CERTIFICATE": "not pem"}, wantAttr: "ca_certificate", want: []string{"PEM"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearProviderEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			resp := configureWith(t, tc.attrs)
			if !resp.Diagnostics.HasError() {
				t.Fatal("expected an error")
			}
			found := false
			for _, d := range resp.Diagnostics.Errors() {
				text := d.Summary() + " " + d.Detail()
				if strings.Contains(text, secret) {
					t.Errorf("diagnostic leaks the token: %s", text)
				}
				if wp, ok := d.(diag.DiagnosticWithPath); ok && wp.Path().Equal(path.Root(tc.wantAttr)) {
					found = true
					for _, w := range tc.want {
						if !strings.Contains(text, w) {
							t.Errorf("diagnostic %q should mention %q", text, w)
						}
					}
				}
			}
			if !found {
				t.Fatalf("no error on attribute %s: %v", tc.wantAttr, resp.Diagnostics)
			}
		})
	}
}

func TestConfigure_precedenceAndWarnings(t *testing.T) {
	clearProviderEnv(t)
	t.Setenv("INFLUXDB_URL", "https://from-env.example.com")
	t.Setenv("INFLUX_HOST", "https://second-choice.example.com")
	t.Setenv("INFLUXDB_TOKEN", "env-token")
	t.Setenv("INFLUXDB_ORG_ID", "00000000000000ee")

	resp := configureWith(t, map[string]any{"org_id": "00000000000000cc"})
	if resp.Diagnostics.HasError() {
		t.Fatalf("unexpected: %v", resp.Diagnostics)
	}
	data := resp.ResourceData.(*providerData) //nolint:forcetypeassert // checked by the line above in practice
	if data.orgID != "00000000000000cc" {
		t.Errorf("configuration must win over the environment: org_id = %q", data.orgID)
	}
	if data.token != "env-token" {
		t.Errorf("token from the environment not used")
	}

	resp = configureWith(t, map[string]any{"url": "http://influx.example.com", "insecure_skip_verify": true})
	var warnings []string
	for _, d := range resp.Diagnostics.Warnings() {
		warnings = append(warnings, d.Summary())
	}
	joined := strings.Join(warnings, "|")
	for _, want := range []string{"Token Sent Without Encryption", "TLS Verification Disabled"} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing warning %q in %v", want, warnings)
		}
	}
	resp = configureWith(t, map[string]any{"url": "http://127.0.0.1:8086"})
	if n := len(resp.Diagnostics.Warnings()); n != 0 {
		t.Errorf("plain http to loopback should not warn, got %v", resp.Diagnostics)
	}
}
