package sdklogs

import (
	"slices"
	"testing"
)

func TestToSilence(t *testing.T) {
	all := []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}
	tests := []struct {
		name    string
		environ []string
		want    []string
	}{
		{"no Terraform logging asked for", []string{"HOME=/root", "PATH=/bin", "TF_ACC=1"}, all},
		{"empty environment", nil, all},
		{"TF_LOG", []string{"TF_LOG=trace"}, nil},
		{"TF_LOG_PROVIDER", []string{"HOME=/root", "TF_LOG_PROVIDER=debug"}, nil},
		{"TF_LOG_PATH alone", []string{"TF_LOG_PATH=/tmp/tf.log"}, nil},
		{"the SDK's own level", []string{"TF_LOG_SDK_PROTO=trace"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := toSilence(tt.environ); !slices.Equal(got, tt.want) {
				t.Errorf("toSilence(%q) = %q, want %q", tt.environ, got, tt.want)
			}
		})
	}
}
