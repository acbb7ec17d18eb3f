package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestProviderSettingsMatchSchema: every attribute of the provider block is
// a setting of providerSettings, read with its attribute's type, with at
// least one environment variable; and every setting is an attribute.
func TestProviderSettingsMatchSchema(t *testing.T) {
	var resp provider.SchemaResponse
	(&influxProvider{}).Schema(context.Background(), provider.SchemaRequest{}, &resp)
	attrs := resp.Schema.Attributes
	if len(attrs) != len(providerSettings) {
		t.Errorf("the schema has %d attributes, providerSettings %d", len(attrs), len(providerSettings))
	}
	want := map[settingKind]string{stringSetting: types.StringType.String(), boolSetting: types.BoolType.String(), int64Setting: types.Int64Type.String()}
	for _, s := range providerSettings {
		a, ok := attrs[s.attr]
		switch {
		case !ok:
			t.Errorf("setting %s has no attribute", s.attr)
		case a.GetType().String() != want[s.kind]:
			t.Errorf("setting %s is read as %s, its attribute is %s", s.attr, want[s.kind], a.GetType())
		case len(s.env) == 0:
			t.Errorf("setting %s has no environment variable", s.attr)
		case (s.check == nil) != (s.invalid == ""), (s.missing == "") != (s.need == ""):
			t.Errorf("setting %s has a check or a missing error without its text", s.attr)
		}
	}
}

// TestConfigure_unknownInOrder: settings known only after apply are named in
// the order of providerSettings, whatever their kind.
func TestConfigure_unknownInOrder(t *testing.T) {
	clearProviderEnv(t)
	resp := configureWith(t, map[string]any{"max_retries": unknownValue, "url": unknownValue, "insecure_skip_verify": unknownValue, "token": "t0k3n"})
	data, ok := resp.ResourceData.(*providerData)
	if !ok {
		t.Fatalf("ResourceData is %T: %v", resp.ResourceData, resp.Diagnostics)
	}
	if got := data.unknown; len(got) != 3 || got[0] != "url" || got[1] != "insecure_skip_verify" || got[2] != "max_retries" {
		t.Errorf("unknown settings %q; want url, insecure_skip_verify, max_retries", got)
	}
}
