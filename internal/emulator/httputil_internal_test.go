package emulator

import "testing"

func TestPrefersCSV(t *testing.T) {
	cases := []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"application/csv"}, true},
		{[]string{"text/csv"}, true},
		{[]string{"Application/CSV"}, true},
		{[]string{"application/json"}, false},
		{[]string{"*/*"}, false},
		{[]string{"text/*"}, true},
		// The provider's client on the functions generation: JSON first.
		{[]string{"application/json, application/csv;q=0.9, text/csv;q=0.9"}, false},
		{[]string{"application/json;q=0.5, application/csv"}, true},
		{[]string{"application/csv, application/json"}, false}, // a tie goes to JSON
		{[]string{"text/csv, application/json"}, false},
		{[]string{"application/csv;q=0, */*"}, false},
		{[]string{"application/csv, */*;q=0.1"}, true},
		{[]string{"text/csv;q=0.8, application/*;q=0.5"}, true},
		{[]string{"application/csv", "application/json;q=0.2"}, true}, // several header lines
		{[]string{"application/csv;q=abc"}, false},                    // unparsable ranges are skipped
		{[]string{"csv"}, false},
		{[]string{"application/csv;q=2"}, false},
	}
	for _, tc := range cases {
		if got := prefersCSV(tc.accept); got != tc.want {
			t.Errorf("prefersCSV(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}
