package provider

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// TestAdviceFor: the named client errors get their own advice, ahead of
// the advice for the HTTP status they may carry.
func TestAdviceFor(t *testing.T) {
	notFound := &influxdb.APIError{Op: "look up organization", StatusCode: 404, Code: "not found", Message: "organization not found"}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"unknown organization", fmt.Errorf("%w: check organization 00000000000000aa: no organization with that ID is visible to this token", influxdb.ErrOrgNotFound), "The token cannot see that organization"},
		{"unknown organization wrapping a 404", fmt.Errorf("%w: %w", influxdb.ErrOrgNotFound, notFound), "The token cannot see that organization"},
		{"no scripts API", fmt.Errorf("%w: neither path", influxdb.ErrNoScriptsAPI), "serves neither /api/v2/scripts nor /api/v2/functions"},
		{"missing object", notFound, "InfluxDB does not know this object"},
		{"unauthorized", &influxdb.APIError{StatusCode: 401}, "InfluxDB refused the token"},
		{"anything else", errors.New("boom"), "Check the provider configuration"},
	} {
		if got := adviceFor(tc.err); !strings.Contains(got, tc.want) {
			t.Errorf("%s: adviceFor = %q, want it to contain %q", tc.name, got, tc.want)
		}
	}
}
