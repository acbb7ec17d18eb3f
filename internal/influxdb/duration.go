package influxdb

import (
	"math/big"
	"regexp"
)

// A task's every and offset are Flux duration literals, which a server may
// spell otherwise than they were sent (60m as 1h, a removed offset as 0s).
// SameDuration compares them by length, so that neither the adoption of a
// task after an ambiguous create nor the provider's state depends on the
// spelling.

var (
	durationLiteral = regexp.MustCompile(`^(?:[0-9]+(?:y|mo|w|d|h|m|s|ms|us|µs|ns))+$`)
	// durationPart: the longer units first, so that mo and ms are not read as m.
	durationPart = regexp.MustCompile(`([0-9]+)(y|mo|ms|us|µs|ns|w|d|h|m|s)`)
	// durationNanos is the length of each fixed unit; y and mo are counted
	// apart, in months, as their length varies.
	durationNanos = map[string]int64{
		"w": 7 * 24 * 3600e9, "d": 24 * 3600e9, "h": 3600e9, "m": 60e9, "s": 1e9,
		"ms": 1e6, "us": 1e3, "µs": 1e3, "ns": 1,
	}
)

// durationLength reads a duration literal as months and nanoseconds. "" and
// "0" are zero: the tasks API takes "0" for no offset.
func durationLength(s string) (months, nanos *big.Int, ok bool) {
	months, nanos = new(big.Int), new(big.Int)
	if s == "" || s == "0" {
		return months, nanos, true
	}
	if !durationLiteral.MatchString(s) {
		return nil, nil, false
	}
	for _, m := range durationPart.FindAllStringSubmatch(s, -1) {
		n, good := new(big.Int).SetString(m[1], 10)
		if !good {
			return nil, nil, false
		}
		switch m[2] {
		case "y":
			months.Add(months, n.Mul(n, big.NewInt(12)))
		case "mo":
			months.Add(months, n)
		default:
			nanos.Add(nanos, n.Mul(n, big.NewInt(durationNanos[m[2]])))
		}
	}
	return months, nanos, true
}

// SameDuration reports whether two duration literals are the same length
// however written: 1h and 60m, 1d and 24h, "" and 0s. Text that is not a
// duration literal equals only itself.
func SameDuration(a, b string) bool {
	if a == b {
		return true
	}
	am, an, okA := durationLength(a)
	bm, bn, okB := durationLength(b)
	return okA && okB && am.Cmp(bm) == 0 && an.Cmp(bn) == 0
}
