// Command tfbench is the provider's benchmark suite, run by `make bench`
// (scripts/bench.sh). It builds the provider, the emulator and a yardstick
// provider, starts the emulator in its own process, and measures, each
// against a fixed floor in the same run and with ours and the floor
// interleaved (A B A B ...):
//
//  1. Terraform overhead per resource: plan, apply and destroy of N
//     influxdb_invocable_script resources against N terraform_data
//     resources, on Terraform and OpenTofu, at N = 100 and 500.
//  2. Request discipline: exact request counts per operation, from the
//     emulator's /_emulator/stats.
//  3. Invocation results: CSV parse throughput and peak heap against
//     encoding/csv, Collect's memory bound, and the conversion of rows to
//     Terraform values (Go benchmarks in internal/provider).
//  4. Provider start-up: `providers schema -json` against an empty
//     framework provider (bench/emptyprovider).
//  5. Scale: plan with refresh at 100, 500 and 2,000 resources.
//
// It prints a Markdown table and writes it, with the machine, the raw
// samples and the request counts, to bench/results/latest.md. It exits 1
// when a measurement could not be taken, never because a ratio missed its
// target: misses are reported in the table. Scratch files live in
// bench/work/run-*/ and are removed on exit, also on Ctrl-C.
//
// Usage (from the repository root):
//
//	go run ./bench/cmd/tfbench [-runs 3] [-runs-large 2] [-only overhead,discipline,csv,startup,scale] [-update-doc BENCHMARKS.md]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// figures in the order they run.
var allFigures = []string{"csv", "startup", "discipline", "overhead", "scale"}

type options struct {
	root        string
	out         string
	updateDoc   string
	clis        []string
	only        map[string]bool
	runs        int // repetitions at N = 100
	runsLarge   int // repetitions at N = 500 and of the scale plans
	startupRuns int
	csvRuns     int
	csvRows     int
	keep        bool
	parallelism int
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == csvWorkerArg {
		os.Exit(csvWorkerMain(os.Args[2:]))
	}
	os.Exit(run())
}

func run() int {
	var opt options
	var clis, only string
	flag.StringVar(&opt.root, "root", "", "repository root (default: the nearest parent directory with go.mod)")
	flag.StringVar(&opt.out, "out", "bench/results/latest.md", "Markdown report, relative to the root")
	flag.StringVar(&opt.updateDoc, "update-doc", "", "also replace the generated section of this Markdown file (e.g. BENCHMARKS.md)")
	flag.StringVar(&clis, "clis", "terraform,tofu", "CLIs in .tools/bin to measure figure 1 and 4 with; the first one also runs figures 2 and 5")
	flag.StringVar(&only, "only", strings.Join(allFigures, ","), "figures to run: "+strings.Join(allFigures, ","))
	flag.IntVar(&opt.runs, "runs", 3, "repetitions of each measurement at N = 100")
	flag.IntVar(&opt.runsLarge, "runs-large", 2, "repetitions at N = 500 and of the 2,000-resource plans")
	flag.IntVar(&opt.startupRuns, "startup-runs", 9, "repetitions of the start-up measurement")
	flag.IntVar(&opt.csvRuns, "csv-runs", 5, "repetitions of each CSV measurement")
	flag.IntVar(&opt.csvRows, "csv-rows", 1000000, "rows of the CSV body (100 bytes each)")
	flag.IntVar(&opt.parallelism, "parallelism", 10, "-parallelism for every Terraform command")
	flag.BoolVar(&opt.keep, "keep", false, "keep the scratch directory (for debugging)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "tfbench: unexpected arguments %q\n", flag.Args())
		return 2
	}
	if opt.runs < 1 || opt.runsLarge < 1 || opt.startupRuns < 1 || opt.csvRuns < 1 || opt.csvRows < 1 {
		fmt.Fprintln(os.Stderr, "tfbench: repetition counts and -csv-rows must be at least 1")
		return 2
	}
	opt.clis = splitList(clis)
	if len(opt.clis) == 0 {
		fmt.Fprintln(os.Stderr, "tfbench: -clis is empty")
		return 2
	}
	opt.only = map[string]bool{}
	for _, f := range splitList(only) {
		if !slices.Contains(allFigures, f) {
			fmt.Fprintf(os.Stderr, "tfbench: unknown figure %q in -only (known: %s)\n", f, strings.Join(allFigures, ", "))
			return 2
		}
		opt.only[f] = true
	}
	if opt.root == "" {
		r, err := findRoot()
		if err != nil {
			fmt.Fprintln(os.Stderr, "tfbench:", err)
			return 2
		}
		opt.root = r
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	b, err := newBench(opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tfbench:", err)
		return 1
	}
	err = b.run(ctx)
	b.close()
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "tfbench: interrupted; scratch files removed")
		return 130
	case err != nil:
		fmt.Fprintln(os.Stderr, "tfbench: FAILED:", err)
		return 1
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// findRoot walks up from the working directory to the directory holding
// this module's go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/tf-influxdb/terraform-provider-influxdb\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the terraform-provider-influxdb repository, or pass -root")
		}
		dir = parent
	}
}

// elapsed formats a duration as minutes and seconds.
func elapsed(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}
