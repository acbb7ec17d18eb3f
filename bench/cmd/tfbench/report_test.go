package main

import (
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if got := median([]time.Duration{3 * time.Second, time.Second}); got != 2*time.Second {
		t.Errorf("median of durations = %v, want 2s", got)
	}
}

func TestParseBenchOutput(t *testing.T) {
	out := `goos: linux
BenchmarkReader-2              	       2	 556800215 ns/op	 176.06 MB/s	         4.111 peak-heap-MiB	  1024 B/op	  3 allocs/op
BenchmarkCollectOverLimit-2    	       1	  35107033 ns/op	        10.00 limit-MiB	  10485761 read-B
PASS`
	m, ok := parseBenchOutput(out, "Reader")
	if !ok || m["MB/s"] != 176.06 || m["peak-heap-MiB"] != 4.111 || m["ns/op"] != 556800215 || m["B/op"] != 1024 || len(m) != 5 {
		t.Errorf("Reader: %v, %v", m, ok)
	}
	if m, ok := parseBenchOutput(out, "CollectOverLimit"); !ok || m["read-B"] != 10485761 {
		t.Errorf("CollectOverLimit: %v, %v", m, ok)
	}
	if _, ok := parseBenchOutput(out, "Read"); ok {
		t.Error("a prefix of a benchmark's name matched")
	}
	if _, ok := parseBenchOutput("--- FAIL: BenchmarkReader\n    bench_test.go:1: boom\nFAIL", "Reader"); ok {
		t.Error("a failure was taken for a result")
	}
}

func TestConfigKinds(t *testing.T) {
	if strings.Contains(config(kindPlain, "p", 3), "params") {
		t.Error("the parameter-free script mentions params")
	}
	for kind, want := range map[string]string{
		kindOurs: `resource "influxdb_invocable_script" "s"`, kindNull: `resource "benchnull_invocable_script" "s"`, kindFloor: `resource "terraform_data" "s"`,
	} {
		c := config(kind, "p", 7)
		if !strings.Contains(c, want) || !strings.Contains(c, "count") || !strings.Contains(c, "= 7") || !strings.Contains(c, `"p-${count.index}"`) {
			t.Errorf("%s:\n%s", kind, c)
		}
	}
	if got := rotate([]string{"a", "b", "c"}, 4); strings.Join(got, "") != "bca" {
		t.Errorf("rotate = %v", got)
	}
}

func TestCount(t *testing.T) {
	if got := count([]int{1001, 1000, 1001}); got != "1000–1001" {
		t.Errorf("count = %q", got)
	}
	if got := count([]int{3, 3}); got != "3" {
		t.Errorf("count = %q", got)
	}
	if got := count(nil); got != "—" {
		t.Errorf("count = %q", got)
	}
	if got := num(10485761) + " " + num(4.111) + " " + num(176.06); got != "10485761 4.11 176" {
		t.Errorf("num = %q", got)
	}
}

func secsOf(xs ...float64) []time.Duration {
	out := make([]time.Duration, len(xs))
	for i, x := range xs {
		out[i] = time.Duration(x * float64(time.Second))
	}
	return out
}

// TestReport checks verdicts, misses and the rendered document on made-up
// results: one figure passes, one misses, one has no data.
func TestReport(t *testing.T) {
	res := newResults()
	k := key{Set: setOverhead, CLI: "terraform", N: 100, Step: "plan"}
	res.Wall[with(k, kindOurs)] = secsOf(1.1, 1.0, 5)
	res.Wall[with(k, kindNull)] = secsOf(1.0, 1.0)
	res.Wall[with(k, kindFloor)] = secsOf(0.5)
	k.Step = "apply"
	res.Wall[with(k, kindOurs)] = secsOf(2)
	res.Wall[with(k, kindNull)] = secsOf(1)
	n := key{Set: setNetwork, CLI: "terraform", N: networkN, Kind: kindOurs, Step: "plan"}
	res.Wall[n] = secsOf(3)
	res.Reqs[n] = []int{501, 501}
	res.Routes[n] = map[string]int{"GET /api/v2/scripts/{id}": 500, "GET /api/v2/scripts": 1}
	res.Wall[with(n, kindNull)] = secsOf(2.8)
	res.Reqs[key{Set: setList, CLI: "terraform", N: listedN, Kind: kindOurs, Step: "plan"}] = []int{21}
	res.Go["Reader"] = []map[string]float64{{"MB/s": 190, "peak-heap-MiB": 4}, {"MB/s": 200, "peak-heap-MiB": 4.2}}
	res.Go["EncodingCSVFloor"] = []map[string]float64{{"MB/s": 200, "peak-heap-MiB": 3.9}}

	rep := buildReport(res, []string{"terraform"})
	for _, want := range []string{
		"| terraform | 100 | plan | 1.10 s | 1.00 s | 0.50 s | 1.10 | 2.20 | ≤ 1.15 | ok |",
		"| terraform | 100 | apply | 2.00 s | 1.00 s | — | 2.00 | — | ≤ 1.15 | **MISS** |",
		"| terraform | 500 | plan | — | — | — | — | — | ≤ 1.15 | **no data** |",
	} {
		if !strings.Contains(rep.Overhead, want) {
			t.Errorf("figure 1 lacks %q:\n%s", want, rep.Overhead)
		}
	}
	if want := "| terraform | plan | 3.00 s | 501 | 2.80 s | 1.07 | ≤ 1.2 | ok |"; !strings.Contains(rep.Network, want) {
		t.Errorf("figure 2 lacks %q:\n%s", want, rep.Network)
	}
	if !strings.Contains(rep.Requests, "| terraform | 21 | ≤ 21 (⌊N/500⌋ + 1, the minimum) | ok |") ||
		!strings.Contains(rep.Requests, "| terraform | 501 | ≤ 3 | **MISS** |") {
		t.Errorf("figure 4:\n%s", rep.Requests)
	}
	if !strings.Contains(rep.InProcess, "| 195.0 MB/s | 200.0 MB/s | 0.97 | ratio ≥ 0.7 | ok |") {
		t.Errorf("figure 3:\n%s", rep.InProcess)
	}
	joined := strings.Join(rep.Misses, "\n")
	if !strings.Contains(joined, "Figure 1, terraform, N = 100, apply: ours / null = 2.00 (target ≤ 1.15): MISS") ||
		!strings.Contains(joined, "Figure 4, refresh of 500 scripts, terraform: 501 requests (target ≤ 3): MISS") || strings.Contains(joined, "N = 100, plan") {
		t.Errorf("misses:\n%s", joined)
	}
	if !strings.Contains(rep.Raw, "1.10, 1.00, 5.00") || !strings.Contains(rep.Raw, "`GET /api/v2/scripts` 1, `GET /api/v2/scripts/{id}` 500") {
		t.Errorf("raw samples:\n%s", rep.Raw)
	}

	doc, err := renderDoc(docData{report: rep, Date: "D", Took: "1m00s", Latency: "50ms", Machine: []string{"CPU: x"}, Runs: 3, RunsLarge: 2, GoRuns: 5, Par: 10, NetworkN: networkN, ListedN: listedN, MinListReq: 21})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Benchmarks", "Measured D by `make bench` in 1m00s.", "- CPU: x\n", rep.Overhead, rep.Raw, "- Figure 1, terraform, N = 100, apply", "= 21 requests is the minimum"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	if strings.Contains(doc, "{{") || strings.Contains(doc, "<no value>") {
		t.Error("document has unfilled template fields")
	}
}

func TestCleanEnv(t *testing.T) {
	t.Setenv("TF_LOG", "trace")
	t.Setenv("INFLUXDB_TOKEN", "secret")
	t.Setenv("BENCH_KEPT", "1")
	env := strings.Join(cleanEnv("INFLUXDB_URL=http://x"), "\n")
	if strings.Contains(env, "TF_LOG") || strings.Contains(env, "secret") || !strings.Contains(env, "BENCH_KEPT=1") ||
		!strings.Contains(env, "INFLUXDB_URL=http://x") || !strings.Contains(env, "CHECKPOINT_DISABLE=1") {
		t.Errorf("environment:\n%s", env)
	}
}
