package main

import (
	_ "embed"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/template"
	"time"
)

// Measurement sets of the CLI figures.
const (
	setOverhead = "overhead" // no latency: N = 100 and 500, ours, null, terraform_data
	setNetwork  = "network"  // emulator latency: N = 500, ours with and without parameters, null
	setList     = "list"     // the data source listing every script
)

// key names one series of CLI samples.
type key struct {
	Set, CLI string
	N        int
	Kind     string
	Step     string
}

// results is everything a run measured.
type results struct {
	Wall   map[key][]time.Duration
	Reqs   map[key][]int
	Routes map[key]map[string]int // of the last repetition
	Go     map[string][]map[string]float64
}

func newResults() results {
	return results{Wall: map[key][]time.Duration{}, Reqs: map[key][]int{}, Routes: map[key]map[string]int{}, Go: map[string][]map[string]float64{}}
}

// median of samples; the mean of the two middle ones for an even count.
func median[T time.Duration | float64 | int](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// table is a Markdown table whose last column is the verdict.
type table struct {
	head []string
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t table) String() string {
	var sb strings.Builder
	sb.WriteString("| " + strings.Join(t.head, " | ") + " |\n|" + strings.Repeat("---|", len(t.head)) + "\n")
	for _, r := range t.rows {
		res := r[len(r)-1]
		if res == "MISS" || res == "no data" {
			res = "**" + res + "**"
		}
		sb.WriteString("| " + strings.Join(append(slices.Clone(r[:len(r)-1]), res), " | ") + " |\n")
	}
	return sb.String()
}

// verdict is ok or MISS, "no data" when a value is missing, "—" without
// a target.
func verdict(have bool, target string, pass bool) string {
	switch {
	case !have:
		return "no data"
	case target == "—":
		return "—"
	case pass:
		return "ok"
	}
	return "MISS"
}

func secs(xs []time.Duration) string {
	if len(xs) == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f s", median(xs).Seconds())
}

func ratio(a, b []time.Duration) (float64, string) {
	if len(a) == 0 || len(b) == 0 || median(b) == 0 {
		return 0, "—"
	}
	r := median(a).Seconds() / median(b).Seconds()
	return r, fmt.Sprintf("%.2f", r)
}

// count shows a request count, as a range if repetitions disagree.
func count(xs []int) string {
	if len(xs) == 0 {
		return "—"
	}
	if lo, hi := slices.Min(xs), slices.Max(xs); lo != hi {
		return fmt.Sprintf("%d–%d", lo, hi)
	}
	return fmt.Sprint(xs[0])
}

// report is the tables of a run and the targets it missed.
type report struct {
	Overhead, Network, Requests, InProcess, Raw string
	Misses                                      []string
}

func buildReport(res results, clis []string) report {
	var rep report
	// miss lists the last row of t when it missed or has no data.
	miss := func(t table, format string, args ...any) {
		if v := t.rows[len(t.rows)-1][len(t.head)-1]; v == "MISS" || v == "no data" {
			rep.Misses = append(rep.Misses, fmt.Sprintf(format, args...)+": "+v)
		}
	}

	ov := table{head: []string{"CLI", "N", "step", "ours", "null provider", "terraform_data", "ours / null", "ours / terraform_data", "target", "result"}}
	for _, cli := range clis {
		for _, n := range []int{100, 500} {
			for _, step := range []string{"apply", "plan"} {
				k := key{Set: setOverhead, CLI: cli, N: n, Step: step}
				o, nl, fl := res.Wall[with(k, kindOurs)], res.Wall[with(k, kindNull)], res.Wall[with(k, kindFloor)]
				rn, rns := ratio(o, nl)
				_, rfs := ratio(o, fl)
				ov.add(cli, fmt.Sprint(n), step, secs(o), secs(nl), secs(fl), rns, rfs, "≤ 1.15", verdict(rns != "—", "≤ 1.15", rn <= 1.15))
				miss(ov, "Figure 1, %s, N = %d, %s: ours / null = %s (target ≤ 1.15)", cli, n, step, rns)
			}
		}
	}
	rep.Overhead = ov.String()

	nw := table{head: []string{"CLI", "step", "ours", "requests", "null provider", "ours / null", "target", "result"}}
	for _, cli := range clis {
		for _, s := range []struct {
			what, kind, step string
			bound            float64 // 0: reported, no target
		}{
			{"plan", kindOurs, "plan", 1.2},
			{"apply, scripts that read a parameter", kindOurs, "apply", 0},
			{"apply, parameter-free scripts", kindPlain, "apply", 1.3},
			{"destroy", kindOurs, "destroy", 1.3},
		} {
			k := key{Set: setNetwork, CLI: cli, N: networkN, Step: s.step}
			o, nl := res.Wall[with(k, s.kind)], res.Wall[with(k, kindNull)]
			r, rs := ratio(o, nl)
			target := "—"
			if s.bound > 0 {
				target = fmt.Sprintf("≤ %g", s.bound)
			}
			nw.add(cli, s.what, secs(o), count(res.Reqs[with(k, s.kind)]), secs(nl), rs, target, verdict(rs != "—", target, r <= s.bound))
			miss(nw, "Figure 2, %s, %s: ours / null = %s (target %s)", cli, s.what, rs, target)
		}
	}
	rep.Network = nw.String()

	ip := table{head: []string{"what", "ours", "floor", "ours / floor", "target", "result"}}
	for _, g := range inProcessRows {
		o, okO := goMedian(res, g.ours, g.oursMetric)
		f, okF := goMedian(res, g.floor, g.floorMetric)
		r, rs := 0.0, "—"
		if okO && okF && f != 0 {
			r, rs = o/f, fmt.Sprintf("%.2f", o/f)
		}
		ip.add(g.what, g.format(o, okO), g.format(f, okF), rs, g.target, verdict(okO && okF, g.target, g.pass == nil || g.pass(o, f, r)))
		miss(ip, "Figure 3, %s: ours %s, floor %s (target %s)", g.what, g.format(o, okO), g.format(f, okF), g.target)
	}
	rep.InProcess = ip.String()

	rq := table{head: []string{"what", "CLI", "requests", "target", "result"}}
	list := res.Reqs[key{Set: setList, CLI: clis[0], N: listedN, Kind: kindOurs, Step: "plan"}]
	minList := listedN/500 + 1
	rq.add(fmt.Sprintf("list all %d scripts (data source `influxdb_invocable_scripts`, no `limit`)", listedN), clis[0],
		count(list), fmt.Sprintf("≤ %d (⌊N/500⌋ + 1, the minimum)", minList), verdict(len(list) > 0, "", slices.Max(append(list, 0)) <= minList))
	miss(rq, "Figure 4, listing %d scripts: %s requests (target ≤ %d)", listedN, count(list), minList)
	for _, cli := range clis {
		reqs := res.Reqs[key{Set: setNetwork, CLI: cli, N: networkN, Kind: kindOurs, Step: "plan"}]
		rq.add(fmt.Sprintf("refresh of N = %d scripts (`plan`, every request, auto-detection included)", networkN), cli,
			count(reqs), "≤ 3", verdict(len(reqs) > 0, "", slices.Max(append(reqs, 0)) <= 3))
		miss(rq, "Figure 4, refresh of %d scripts, %s: %s requests (target ≤ 3)", networkN, cli, count(reqs))
	}
	rep.Requests = rq.String()
	rep.Raw = rawSamples(res)
	return rep
}

func with(k key, kind string) key { k.Kind = kind; return k }

// inProcessRows compare Go benchmark metrics (medians over the runs).
var inProcessRows = []struct {
	what, ours, oursMetric, floor, floorMetric, target string
	format                                             func(float64, bool) string
	pass                                               func(o, f, ratio float64) bool
}{
	{"CSV parse throughput, 100 MB: `fluxcsv.Reader` vs `encoding/csv`", "Reader", "MB/s", "EncodingCSVFloor", "MB/s", "ratio ≥ 0.7",
		unit("%.1f MB/s", 1), func(_, _, r float64) bool { return r >= 0.7 }},
	{"streaming peak heap, 100 MB: `fluxcsv.Reader` vs `encoding/csv`", "Reader", "peak-heap-MiB", "EncodingCSVFloor", "peak-heap-MiB", "ours ≤ 16 MiB",
		unit("%.1f MiB", 1), func(o, _, _ float64) bool { return o <= 16 }},
	{"`Collect` of a 100 MB stream, `max_result_bytes` 10 MiB: bytes read (floor: the limit + 1)", "CollectOverLimit", "read-B", "CollectOverLimit", "want-read-B", "= floor",
		unit("%.0f B", 1), func(o, f, _ float64) bool { return o == f }},
	{"`Collect` of a 100 MB stream: peak heap (floor: the limit)", "CollectOverLimit", "peak-heap-MiB", "CollectOverLimit", "limit-MiB", "ours ≤ floor + 16 MiB",
		unit("%.1f MiB", 1), func(o, f, _ float64) bool { return o <= f+16 }},
	{"`Collect` of a result just under the limit: peak heap (floor: the body)", "CollectUnderLimit", "peak-heap-MiB", "CollectUnderLimit", "body-MiB", "ours ≤ 10 MiB + 16 MiB",
		unit("%.1f MiB", 1), func(o, _, _ float64) bool { return o <= 26 }},
	{"10,000 rows → Terraform values: `rowsValue` vs the same rows as Go maps", "InvocationRowsToTerraform", "ns/op", "InvocationRowsFloor", "ns/op", "—",
		unit("%.1f ms", 1e-6), nil},
	{"10,000 rows → Terraform values: allocated per conversion", "InvocationRowsToTerraform", "B/op", "InvocationRowsFloor", "B/op", "—",
		unit("%.1f MB", 1e-6), nil},
}

func unit(format string, scale float64) func(float64, bool) string {
	return func(v float64, ok bool) string {
		if !ok {
			return "—"
		}
		return fmt.Sprintf(format, v*scale)
	}
}

func goMedian(res results, bench, metric string) (float64, bool) {
	var xs []float64
	for _, m := range res.Go[bench] {
		if v, ok := m[metric]; ok {
			xs = append(xs, v)
		}
	}
	return median(xs), len(xs) > 0
}

// rawSamples lists every sample behind the tables.
func rawSamples(res results) string {
	t := table{head: []string{"set", "CLI", "N", "kind", "step", "wall time per run (s)", "requests per route (last run)"}}
	keys := make([]key, 0, len(res.Wall))
	for k := range res.Wall {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return strings.Compare(fmt.Sprintf("%s %s %05d %s %s", a.Set, a.CLI, a.N, a.Step, a.Kind), fmt.Sprintf("%s %s %05d %s %s", b.Set, b.CLI, b.N, b.Step, b.Kind))
	})
	for _, k := range keys {
		walls := make([]string, len(res.Wall[k]))
		for i, d := range res.Wall[k] {
			walls[i] = fmt.Sprintf("%.2f", d.Seconds())
		}
		t.add(k.Set, k.CLI, fmt.Sprint(k.N), k.Kind, k.Step, strings.Join(walls, ", "), routes(res.Routes[k]))
	}
	g := table{head: []string{"benchmark", "metric", "per run"}}
	for _, n := range slices.Sorted(maps.Keys(res.Go)) {
		metrics := map[string][]string{}
		for _, m := range res.Go[n] {
			for u, v := range m {
				metrics[u] = append(metrics[u], num(v))
			}
		}
		for _, u := range slices.Sorted(maps.Keys(metrics)) {
			g.add("Benchmark"+n, u, strings.Join(metrics[u], ", "))
		}
	}
	return t.String() + "\n" + g.String()
}

// num shows a raw metric with three significant digits, or whole.
func num(v float64) string {
	if v >= 1000 || v <= -1000 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

func routes(m map[string]int) string {
	if m == nil {
		return "—"
	}
	var parts []string
	for _, r := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("`%s` %d", r, m[r]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

//go:embed benchmarks.md.tmpl
var docTemplate string

// docData is what benchmarks.md.tmpl is filled with.
type docData struct {
	report
	Date, Took, Latency           string
	Machine                       []string
	Runs, RunsLarge, GoRuns, Par  int
	NetworkN, ListedN, MinListReq int
}

func (b *bench) docData() docData {
	return docData{
		report: buildReport(b.res, b.opt.clis),
		Date:   b.started.UTC().Format("2006-01-02 15:04 MST"), Took: elapsed(time.Since(b.started)), Latency: b.opt.latency.String(),
		Machine: b.machine, Runs: b.opt.runs, RunsLarge: b.opt.runsLarge, GoRuns: b.opt.goRuns, Par: b.opt.parallelism,
		NetworkN: networkN, ListedN: listedN, MinListReq: listedN/500 + 1,
	}
}

func renderDoc(d docData) (string, error) {
	t, err := template.New("doc").Option("missingkey=error").Parse(docTemplate)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	err = t.Execute(&sb, d)
	return sb.String(), err
}

// machineInfo describes the machine, as far as it can be read cheaply.
func machineInfo() []string {
	cpu := "unknown CPU"
	data, _ := os.ReadFile("/proc/cpuinfo")
	if _, after, ok := strings.Cut(string(data), "model name"); ok {
		_, after, _ = strings.Cut(after, ":")
		cpu, _, _ = strings.Cut(strings.TrimSpace(after), "\n")
	}
	return []string{fmt.Sprintf("CPU: %s, %d logical cores; %s/%s; Go %s", cpu, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version()),
		"Load average at the start: " + loadAvg()}
}

func loadAvg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); len(f) >= 3 {
		return strings.Join(f[:3], " ") + " (1, 5, 15 min)"
	}
	return "unknown"
}
