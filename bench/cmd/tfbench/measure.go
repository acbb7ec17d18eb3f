package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Provider sources of the harness's CLI configuration (dev_overrides).
const (
	oursSource = "registry.terraform.io/tf-influxdb/influxdb"
	nullSource = "registry.terraform.io/tf-influxdb/benchnull"
)

// What every measured script holds; only the name depends on the index.
// paramsScript reads a parameter, plainScript does not (not even the word).
const (
	description  = "benchmark script"
	paramsScript = `from(bucket: params.bucket) |> range(start: -1h) |> filter(fn: (r) => r._measurement == "cpu") |> limit(n: 10)`
	plainScript  = `from(bucket: "telemetry") |> range(start: -1h) |> filter(fn: (r) => r._measurement == "cpu") |> limit(n: 10)`
)

// The kinds of resources measured side by side.
const (
	kindOurs  = "ours"          // influxdb_invocable_script, paramsScript
	kindPlain = "ours-noparams" // influxdb_invocable_script, plainScript
	kindNull  = "null"          // bench/nullprovider: our schema, no work
	kindFloor = "terraform_data"
	listedN   = 10000 // scripts listed by the data source
	networkN  = 500
)

// config is n resources of a kind, named prefix-0 ….
func config(kind, prefix string, n int) string {
	local, source, script := "influxdb", oursSource, paramsScript
	switch kind {
	case kindPlain:
		script = plainScript
	case kindNull:
		local, source = "benchnull", nullSource
	case kindFloor:
		return fmt.Sprintf("resource \"terraform_data\" \"s\" {\n  count = %d\n  input = {\n    name        = \"%s-${count.index}\"\n    description = %q\n    script      = %q\n  }\n}\n",
			n, prefix, description, paramsScript)
	}
	return fmt.Sprintf("terraform {\n  required_providers {\n    %s = { source = %q }\n  }\n}\n\nresource \"%s_invocable_script\" \"s\" {\n  count       = %d\n  name        = \"%s-${count.index}\"\n  description = %q\n  script      = %q\n}\n",
		local, source, local, n, prefix, description, script)
}

// measureOverhead: apply and plan of N = 100 and 500 resources of ours,
// the null provider and terraform_data, no latency.
func (b *bench) measureOverhead(ctx context.Context) error {
	e, err := b.startEmulator(ctx, 0)
	if err != nil {
		return err
	}
	defer e.stop()
	for _, cli := range b.opt.clis {
		for _, n := range []int{100, 500} {
			reps := b.opt.runs
			if n > 100 {
				reps = b.opt.runsLarge
			}
			ems := map[string]*emulator{kindOurs: e}
			if err := b.measureSet(ctx, setOverhead, cli, n, reps, []string{kindOurs, kindNull, kindFloor}, ems); err != nil {
				return err
			}
		}
	}
	return nil
}

// measureNetwork: apply, plan and destroy of N = 500 resources with the
// emulator answering after the configured latency, ours (with and without
// parameters, each on an emulator of its own, so that each organization
// holds exactly the N scripts being refreshed) against the null provider.
// Only the parameter-free scripts are not destroyed (their apply is what
// is compared), which keeps the run within its time budget.
func (b *bench) measureNetwork(ctx context.Context) error {
	for _, cli := range b.opt.clis {
		ems := map[string]*emulator{}
		for _, k := range []string{kindOurs, kindPlain} {
			e, err := b.startEmulator(ctx, b.opt.latency)
			if err != nil {
				return err
			}
			defer e.stop()
			ems[k] = e
		}
		if err := b.measureSet(ctx, setNetwork, cli, networkN, b.opt.runsLarge, []string{kindOurs, kindPlain, kindNull}, ems, kindOurs, kindNull); err != nil {
			return err
		}
	}
	return nil
}

// measureSet runs reps repetitions of apply, plan (and destroy of the
// destroyed kinds) over kinds, step by step, rotating the order of the kinds
// each repetition. Requests are counted for the kinds that have an
// emulator. The state of a kind not destroyed is removed after each
// repetition instead (its scripts stay in the emulator; names differ per
// repetition).
func (b *bench) measureSet(ctx context.Context, set, cli string, n, reps int, kinds []string, ems map[string]*emulator, destroyed ...string) error {
	steps := []string{"apply", "plan"}
	if len(destroyed) > 0 {
		steps = append(steps, "destroy")
	}
	anyEm := ems[kindOurs]
	for r := range reps {
		order := rotate(kinds, r)
		for _, k := range order {
			dir := filepath.Join(b.runDir, set, cli, fmt.Sprint(n), k)
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config(k, fmt.Sprintf("%s-%s-%d-%d", set, cli, n, r), n)), 0o600); err != nil {
				return err
			}
		}
		for _, step := range steps {
			for _, k := range order {
				if step == "destroy" && !slices.Contains(destroyed, k) {
					continue
				}
				b.logf("%s %s N=%d run %d/%d: %s %s", set, cli, n, r+1, reps, step, k)
				key := key{Set: set, CLI: cli, N: n, Kind: k, Step: step}
				e := ems[k]
				env := anyEm.env(b.rc)
				if e != nil {
					env = e.env(b.rc)
					if err := e.resetStats(ctx); err != nil {
						return err
					}
				}
				d, err := b.runCLI(ctx, cli, filepath.Join(b.runDir, set, cli, fmt.Sprint(n), k), env, wantOutput(step, n), b.cliArgs(step)...)
				if err != nil {
					return err
				}
				b.res.Wall[key] = append(b.res.Wall[key], d)
				if e != nil {
					routes, err := e.stats(ctx)
					if err != nil {
						return err
					}
					b.res.Reqs[key] = append(b.res.Reqs[key], total(routes))
					b.res.Routes[key] = routes
				}
			}
		}
		for _, k := range kinds {
			if !slices.Contains(destroyed, k) {
				dir := filepath.Join(b.runDir, set, cli, fmt.Sprint(n), k)
				for _, f := range []string{"terraform.tfstate", "terraform.tfstate.backup"} {
					if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
						return err
					}
				}
			}
		}
	}
	return nil
}

// measureList seeds 10,000 scripts and lists them all with the data
// source, counting requests (scripts_api set, so that auto-detection does
// not add its own).
func (b *bench) measureList(ctx context.Context) error {
	e, err := b.startEmulator(ctx, 0)
	if err != nil {
		return err
	}
	defer e.stop()
	if err := e.seed(ctx, listedN); err != nil {
		return err
	}
	dir := filepath.Join(b.runDir, "list")
	cfg := fmt.Sprintf("terraform {\n  required_providers {\n    influxdb = { source = %q }\n  }\n}\n\ndata \"influxdb_invocable_scripts\" \"all\" {}\n\noutput \"count\" {\n  value = length(data.influxdb_invocable_scripts.all.scripts)\n}\n", oursSource)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600); err != nil {
		return err
	}
	if err := e.resetStats(ctx); err != nil {
		return err
	}
	k := key{Set: setList, CLI: b.opt.clis[0], N: listedN, Kind: kindOurs, Step: "plan"}
	d, err := b.runCLI(ctx, k.CLI, dir, e.env(b.rc, "INFLUXDB_SCRIPTS_API=scripts"), fmt.Sprintf("count = %d", listedN), b.cliArgs("plan")...)
	if err != nil {
		return err
	}
	routes, err := e.stats(ctx)
	b.res.Wall[k], b.res.Reqs[k], b.res.Routes[k] = []time.Duration{d}, []int{total(routes)}, routes
	return err
}

// goPackages are the Go benchmarks `make bench` runs; groups run
// interleaved, each benchmark in a fresh process.
var goPackages = []struct {
	pkg, bin string
	env      []string
	groups   [][]string
}{
	{"./internal/fluxcsv", "fluxcsv.test", []string{"FLUXCSV_BENCH_MB=100"},
		[][]string{{"Reader", "EncodingCSVFloor"}, {"CollectOverLimit"}, {"CollectUnderLimit"}}},
	{"./internal/provider", "provider.test", nil,
		[][]string{{"InvocationRowsToTerraform", "InvocationRowsFloor"}}},
}

func (b *bench) goBenchmarks(ctx context.Context) error {
	for r := range b.opt.goRuns {
		for _, p := range goPackages {
			for _, g := range p.groups {
				for _, name := range rotate(g, r) {
					b.logf("go benchmark %s run %d/%d", name, r+1, b.opt.goRuns)
					cmd := exec.CommandContext(ctx, filepath.Join(b.bin, p.bin), "-test.run=^$", "-test.bench=^Benchmark"+name+"$", //nolint:gosec // our own build
						"-test.benchmem", "-test.count=1", "-test.benchtime=1s")
					cmd.Dir = filepath.Join(b.opt.root, p.pkg)
					cmd.Env = cleanEnv(p.env...)
					ownProcessGroup(cmd)
					out, err := cmd.CombinedOutput()
					if err != nil {
						return fmt.Errorf("benchmark %s: %w\n%s", name, err, tail(string(out), 20))
					}
					m, ok := parseBenchOutput(string(out), name)
					if !ok {
						return fmt.Errorf("benchmark %s: no result line in its output:\n%s", name, tail(string(out), 20))
					}
					b.res.Go[name] = append(b.res.Go[name], m)
				}
			}
		}
	}
	return nil
}

// parseBenchOutput finds the result line of Benchmark<name> in go test
// output: "BenchmarkX-2   10   123 ns/op   45.6 MB/s   7 B/op ...".
func parseBenchOutput(out, name string) (map[string]float64, bool) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 {
			continue
		}
		if n, _, _ := strings.Cut(f[0], "-"); n != "Benchmark"+name {
			continue
		}
		m := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			var v float64
			if _, err := fmt.Sscan(f[i], &v); err != nil {
				return nil, false
			}
			m[f[i+1]] = v
		}
		return m, true
	}
	return nil, false
}

// rotate returns xs starting at index r (mod len), as a new slice.
func rotate(xs []string, r int) []string {
	out := make([]string, 0, len(xs))
	for i := range xs {
		out = append(out, xs[(r+i)%len(xs)])
	}
	return out
}

func total(routes map[string]int) int {
	t := 0
	for _, v := range routes {
		t += v
	}
	return t
}
