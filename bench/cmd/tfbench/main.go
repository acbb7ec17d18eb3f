// Command tfbench is the provider's benchmark harness, run by `make bench`
// (scripts/bench.sh). It builds the provider, bench/nullprovider and the
// emulator, runs the CLI measurements and the Go benchmarks of the parsers,
// and writes BENCHMARKS.md from benchmarks.md.tmpl and the run's numbers.
//
// Ours and its floor always run in the same run, interleaved (the order
// rotating every repetition), and every table shows medians. Every command's
// output is checked, so a fast failure is never taken for a fast run. A
// target that is missed is reported in the document; the command exits 1
// only when a measurement could not be taken, and then writes the document
// to bench/work/BENCHMARKS.failed.md instead.
//
// Usage, from the repository's root: go run ./bench/cmd/tfbench -h
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

type options struct {
	root, out   string
	clis        []string
	runs        int // repetitions at N = 100
	runsLarge   int // repetitions at N = 500, with and without latency
	goRuns      int // repetitions of each Go benchmark
	parallelism int
	latency     time.Duration
	keep        bool
}

// bench is one run of the harness.
type bench struct {
	opt       options
	started   time.Time
	runDir    string // bench/work/run-*: removed on exit
	bin       string // bench/work/bin: builds, kept between runs
	rc        string // CLI configuration with dev_overrides
	cliPath   map[string]string
	machine   []string
	emulators []*emulator
	res       results
}

func main() { os.Exit(run()) }

func run() int {
	var opt options
	var clis string
	flag.StringVar(&opt.out, "out", "BENCHMARKS.md", "document to write, relative to the repository root")
	flag.StringVar(&clis, "clis", "terraform,tofu", "CLIs in .tools/bin to measure; the first also lists the 10,000 scripts")
	flag.IntVar(&opt.runs, "runs", 3, "repetitions at N = 100")
	flag.IntVar(&opt.runsLarge, "runs-large", 2, "repetitions at N = 500 (with and without latency)")
	flag.IntVar(&opt.goRuns, "go-runs", 5, "repetitions of each Go benchmark, each in a fresh process")
	flag.IntVar(&opt.parallelism, "parallelism", 10, "-parallelism of every CLI command")
	flag.DurationVar(&opt.latency, "latency", 50*time.Millisecond, "emulator latency per request of the network figure")
	flag.BoolVar(&opt.keep, "keep", false, "keep the scratch directory bench/work/run-* (for debugging)")
	flag.Parse()
	for _, c := range strings.Split(clis, ",") {
		if c = strings.TrimSpace(c); c != "" {
			opt.clis = append(opt.clis, c)
		}
	}
	if flag.NArg() > 0 || len(opt.clis) == 0 || opt.runs < 1 || opt.runsLarge < 1 || opt.goRuns < 1 || opt.parallelism < 1 {
		fmt.Fprintln(os.Stderr, "tfbench: give at least one CLI, counts of at least 1, and no arguments (see -h)")
		return 2
	}
	root, err := os.Getwd()
	if data, rerr := os.ReadFile("go.mod"); err != nil || rerr != nil || !strings.HasPrefix(string(data), "module github.com/tf-influxdb/terraform-provider-influxdb\n") {
		fmt.Fprintln(os.Stderr, "tfbench: run from the repository's root (make bench)")
		return 2
	}
	opt.root = root

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{opt: opt, started: time.Now(), bin: filepath.Join(root, "bench", "work", "bin"), cliPath: map[string]string{}, res: newResults()}
	if err := os.MkdirAll(b.bin, 0o750); err != nil {
		fmt.Fprintln(os.Stderr, "tfbench:", err)
		return 1
	}
	if b.runDir, err = os.MkdirTemp(filepath.Dir(b.bin), "run-"); err != nil {
		fmt.Fprintln(os.Stderr, "tfbench:", err)
		return 1
	}
	err = b.run(ctx)
	b.close()
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "tfbench: interrupted; processes stopped, scratch files removed")
		return 130
	case err != nil:
		fmt.Fprintln(os.Stderr, "tfbench: FAILED:", err)
		return 1
	}
	return 0
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", elapsed(time.Since(b.started)), fmt.Sprintf(format, args...))
}

// close stops every emulator and removes the scratch directory.
func (b *bench) close() {
	for _, e := range b.emulators {
		e.stop()
	}
	if b.opt.keep {
		fmt.Fprintln(os.Stderr, "tfbench: scratch files kept in", b.runDir)
		return
	}
	if err := os.RemoveAll(b.runDir); err != nil {
		fmt.Fprintln(os.Stderr, "tfbench:", err)
	}
}

func (b *bench) run(ctx context.Context) error {
	b.machine = machineInfo()
	if err := b.setup(ctx); err != nil {
		return err
	}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"Go benchmarks", b.goBenchmarks},
		{"listing", b.measureList},
		{"overhead", b.measureOverhead},
		{"network", b.measureNetwork},
	}
	var failed []string
	for _, s := range steps {
		b.logf("%s: start", s.name)
		if err := s.fn(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			b.logf("%s: ERROR: %v", s.name, err)
			failed = append(failed, s.name+": "+err.Error())
		}
	}
	b.machine = append(b.machine, "Load average at the end: "+loadAvg())
	doc, err := renderDoc(b.docData())
	if err != nil {
		return err
	}
	out := filepath.Join(b.opt.root, b.opt.out)
	if len(failed) > 0 {
		out = filepath.Join(b.opt.root, "bench", "work", "BENCHMARKS.failed.md")
	}
	if err := os.WriteFile(out, []byte(doc), 0o600); err != nil {
		return err
	}
	b.logf("wrote %s", out)
	if len(failed) > 0 {
		return fmt.Errorf("%d measurement(s) could not be taken:\n  %s", len(failed), strings.Join(failed, "\n  "))
	}
	return nil
}

// setup finds the CLIs and builds the provider (like `make build`), the
// null provider (the same way), the emulator and the test binaries.
func (b *bench) setup(ctx context.Context) error {
	for _, name := range b.opt.clis {
		p := filepath.Join(b.opt.root, ".tools", "bin", name)
		cmd := exec.CommandContext(ctx, p, "version") //nolint:gosec // our own tool binary
		cmd.Env = cleanEnv()
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("%s version: %w (run scripts/install-tools.sh %s)", p, err, name)
		}
		b.cliPath[name] = p
		b.machine = append(b.machine, fmt.Sprintf("%s: %s", name, strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]))
	}
	release := []string{"-trimpath", "-ldflags", "-s -w"}
	builds := [][]string{
		append(append([]string{"build"}, release...), "-o", filepath.Join(b.bin, "influxdb", "terraform-provider-influxdb"), "."),
		append(append([]string{"build"}, release...), "-o", filepath.Join(b.bin, "null", "terraform-provider-benchnull"), "./bench/nullprovider"),
		{"build", "-o", filepath.Join(b.bin, "influxdb-emulator"), "./internal/cmd/influxdb-emulator"},
	}
	for _, p := range goPackages {
		builds = append(builds, []string{"test", "-c", "-o", filepath.Join(b.bin, p.bin), p.pkg})
	}
	for _, args := range builds {
		b.logf("go %s", strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = b.opt.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	}
	b.rc = filepath.Join(b.runDir, "cli.tfrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n    %q = %q\n  }\n  direct {}\n}\n",
		oursSource, filepath.Join(b.bin, "influxdb"), nullSource, filepath.Join(b.bin, "null"))
	return os.WriteFile(b.rc, []byte(rc), 0o600)
}

// elapsed formats a duration as minutes and seconds.
func elapsed(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}
