package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

func TestProviderDataFrom(t *testing.T) {
	pd := &providerData{}
	tests := []struct {
		name    string
		in      any
		want    *providerData
		wantErr string
	}{
		{"not configured yet", nil, nil, ""},
		{"configured", pd, pd, ""},
		{"wrong type", "surprise", nil, "Expected *providerData, got string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diags diag.Diagnostics
			got := providerDataFrom(tt.in, &diags)
			if got != tt.want {
				t.Errorf("got %p, want %p", got, tt.want)
			}
			if tt.wantErr == "" {
				if diags.HasError() {
					t.Errorf("unexpected diagnostics: %v", diags)
				}
				return
			}
			if diags.ErrorsCount() != 1 || diags[0].Summary() != "Unexpected Provider Data" || !strings.Contains(diags[0].Detail(), tt.wantErr) {
				t.Errorf("diagnostics = %v, want one Unexpected Provider Data error mentioning %q", diags, tt.wantErr)
			}
		})
	}
}
