package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

type reportText struct {
	table string // the results table alone (stdout)
	doc   string // machine and table (the generated section of BENCHMARKS.md)
	full  string // bench/results/latest.md
}

var figureTitles = map[string]string{
	"1": "Terraform overhead per resource",
	"2": "Request discipline",
	"3": "Invocation results",
	"4": "Provider start-up",
	"5": "Scale",
}

func (b *bench) report() reportText {
	var t strings.Builder
	t.WriteString("| # | figure | N | CLI | ours | floor | ratio | target | result |\n")
	t.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	misses := 0
	for _, r := range b.rows {
		res := r.Result
		switch res {
		case "MISS", "MISMATCH", "ERROR":
			misses++
			res = "**" + res + "**"
		case "":
			res = "—"
		}
		fmt.Fprintf(&t, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Fig, esc(r.What), dash(r.N), dash(r.CLI), dash(r.Ours), dash(r.Floor), dash(r.Ratio), dash(r.Target), res)
	}
	dur := time.Since(b.started)
	summary := fmt.Sprintf("%d rows; %d marked MISS, MISMATCH or ERROR. Wall time of the whole run: %s.", len(b.rows), misses, elapsed(dur))

	var m strings.Builder
	for _, l := range b.machine {
		fmt.Fprintf(&m, "- %s\n", l)
	}

	var doc strings.Builder
	fmt.Fprintf(&doc, "Measured %s by `make bench` in %s.\n\n", b.started.UTC().Format("2006-01-02 15:04 MST"), elapsed(dur))
	doc.WriteString(m.String())
	doc.WriteString("\n")
	doc.WriteString(t.String())
	doc.WriteString("\n" + summary + "\n")

	var full strings.Builder
	full.WriteString("# Benchmark results\n\n")
	full.WriteString("Written by `make bench` (`scripts/bench.sh` → `bench/cmd/tfbench`); do not edit by hand. Method and discussion: `BENCHMARKS.md`.\n\n")
	fmt.Fprintf(&full, "Run started %s, took %s.\n\n## Machine\n\n%s\n## Results\n\nFigures: ", b.started.UTC().Format(time.RFC3339), elapsed(dur), m.String())
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&full, "%d %s", i, figureTitles[fmt.Sprint(i)])
		if i < 5 {
			full.WriteString(" · ")
		}
	}
	full.WriteString(". Wall times are medians; ratio = ours / floor.\n\n")
	full.WriteString(t.String())
	full.WriteString("\n" + summary + "\n\n## Details\n\n")
	for _, d := range b.details {
		full.WriteString(d)
	}
	if len(b.failures) > 0 {
		full.WriteString("## Measurements that could not be taken\n\n")
		for _, f := range b.failures {
			fmt.Fprintf(&full, "- %s\n", strings.ReplaceAll(f, "\n", " "))
		}
	}
	return reportText{table: t.String() + "\n" + summary, doc: doc.String(), full: full.String()}
}

func esc(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return esc(s)
}

// machineInfo describes the machine, as far as it can be read cheaply.
func machineInfo() []string {
	var out []string
	cpu := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		_ = f.Close()
	}
	out = append(out, fmt.Sprintf("CPU: %s, %d logical cores (GOMAXPROCS %d)", cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0)))
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				var kb int64
				if _, err := fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "MemTotal:")), "%d kB", &kb); err == nil {
					out = append(out, fmt.Sprintf("Memory: %.1f GiB", float64(kb)/(1<<20)))
				}
			}
		}
	}
	osName := runtime.GOOS + "/" + runtime.GOARCH
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		osName += ", kernel " + strings.TrimSpace(string(data))
	}
	out = append(out, "OS: "+osName, "Go: "+runtime.Version(), "Load average at the start: "+loadAvg())
	return out
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ") + " (1, 5, 15 min)"
}
