package influxdb

import "testing"

func TestSameDuration(t *testing.T) {
	for _, p := range [][2]string{{"1h", "60m"}, {"1d", "24h"}, {"1w", "7d"}, {"1h30m", "90m"}, {"1y", "12mo"},
		{"1s", "1000ms"}, {"1us", "1µs"}, {"", "0s"}, {"0", "0m"}, {"", ""}, {"1mo1d", "1mo24h"}, {"x", "x"}} {
		if !SameDuration(p[0], p[1]) || !SameDuration(p[1], p[0]) {
			t.Errorf("%q and %q differ", p[0], p[1])
		}
	}
	for _, p := range [][2]string{{"1h", "61m"}, {"1mo", "30d"}, {"1m", "1ms"}, {"", "5m"}, {"1h", "x"}, {"1mo", "1m"}} {
		if SameDuration(p[0], p[1]) || SameDuration(p[1], p[0]) {
			t.Errorf("%q and %q compare equal", p[0], p[1])
		}
	}
}

// After an ambiguous create, a task the server stored with every or offset
// spelled otherwise is still the one the request made.
func TestSameTaskComparesDurations(t *testing.T) {
	in := TaskCreate{Name: "t", ScriptID: "00000000000000aa", Every: "60m", Offset: "0s", ScriptParameters: map[string]any{"n": 5}}
	stored := &Task{Name: "t", ScriptID: "00000000000000aa", Every: "1h", Status: "active", ScriptParameters: []byte(`{"n":5.0}`)}
	if !sameTask(stored, in) {
		t.Error("the same task in another spelling is not adopted")
	}
	stored.Every = "2h"
	if sameTask(stored, in) {
		t.Error("a task with another schedule is adopted")
	}
}
