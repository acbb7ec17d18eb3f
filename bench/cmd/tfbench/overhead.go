package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	influxemu "github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

// What every benchmark script holds. Only the name depends on the index,
// so that generated states (figure 5) differ from a real one only there.
const (
	benchDescription = "benchmark script"
	benchScript      = `from(bucket: params.bucket) |> range(start: -1h) |> filter(fn: (r) => r._measurement == "cpu") |> limit(n: 10)`
)

// Provider sources of the benchmark's CLI configuration (dev_overrides).
const (
	oursSource = "registry.terraform.io/tf-influxdb/influxdb"
	nullSource = "registry.terraform.io/tf-influxdb/benchnull"
)

// requiredProvider is the terraform block that requires one provider.
func requiredProvider(local, source string) string {
	return fmt.Sprintf("terraform {\n  required_providers {\n    %s = { source = %q }\n  }\n}\n", local, source)
}

// scriptsConfig is n <local>_invocable_script resources named prefix-0 …
// with the given description and script.
func scriptsConfig(local, source, prefix string, n int, description, script string) string {
	return requiredProvider(local, source) + fmt.Sprintf(`
resource "%s_invocable_script" "s" {
  count       = %d
  name        = "%s-${count.index}"
  description = %q
  script      = %q
}
`, local, n, prefix, description, script)
}

// oursConfig is n influxdb_invocable_script resources named prefix-0 ….
func oursConfig(prefix string, n int) string {
	return scriptsConfig("influxdb", oursSource, prefix, n, benchDescription, benchScript)
}

// nullConfig is the same n resources of bench/nullprovider, which has the
// real resource's schema and does nothing, for the breakdown in the details.
func nullConfig(prefix string, n int) string {
	return scriptsConfig("benchnull", nullSource, prefix, n, benchDescription, benchScript)
}

// floorConfig is n terraform_data resources holding the same values.
func floorConfig(prefix string, n int) string {
	return fmt.Sprintf(`resource "terraform_data" "s" {
  count = %d
  input = {
    name        = "%s-${count.index}"
    description = %q
    script      = %q
  }
}
`, n, prefix, benchDescription, benchScript)
}

var kinds = []string{"ours", "floor"}

// overheadKinds adds the no-op framework resource to figure 1.
var overheadKinds = []string{"ours", "null", "floor"}

// figureOverhead is figure 1: plan, apply and destroy of N scripts against
// N terraform_data resources, per CLI, at N = 100 and 500.
func (b *bench) figureOverhead(ctx context.Context) error {
	e, err := b.startEmulator(ctx, "overhead")
	if err != nil {
		return err
	}
	defer e.stop()
	env := b.cliEnv(b.rcMain, "INFLUXDB_URL="+e.url, "INFLUXDB_TOKEN="+influxemu.DefaultToken)

	var detail strings.Builder
	detail.WriteString("### Figure 1: wall and CPU time per run\n\n")
	detail.WriteString("CPU is user + system time of the CLI and its provider plugins (not the emulator). Runs alternate ours / null / floor, rotating the order every repetition. *null* is `bench/nullprovider`: a framework resource with exactly the schema of `influxdb_invocable_script` that does nothing (no HTTP, no plan modification); it is not a target, it splits the overhead: *null − floor* is what any framework provider pays (plugin processes, gRPC, the framework), *ours − null* is this provider's own code.\n\n")
	detail.WriteString("| CLI | N | step | ours wall (s) | null wall (s) | floor wall (s) | median ours / null / floor (s) | CPU median ours / null / floor (s) | CPU ratio ours/floor | null − floor / ours − null (s) |\n|---|---|---|---|---|---|---|---|---|---|\n")
	defer func() { b.details = append(b.details, detail.String()) }()

	for _, cli := range b.opt.clis {
		for _, n := range []int{100, 500} {
			reps := b.opt.runs
			if n > 100 {
				reps = b.opt.runsLarge
			}
			base := filepath.Join(b.runDir, "overhead", fmt.Sprintf("%s-%d", cli, n))
			prefix := fmt.Sprintf("ovh-%s-%d", cli, n)
			dirs := map[string]string{}
			for k, cfg := range map[string]string{"ours": oursConfig(prefix, n), "null": nullConfig(prefix, n), "floor": floorConfig(prefix, n)} {
				dirs[k] = filepath.Join(base, k)
				if err := writeFile(filepath.Join(dirs[k], "main.tf"), cfg); err != nil {
					return err
				}
			}
			steps := []string{"apply", "plan", "destroy"}
			samples := map[string]map[string][]sample{}
			for _, k := range overheadKinds {
				samples[k] = map[string][]sample{}
			}
			want := map[string]string{
				"apply":   fmt.Sprintf("Resources: %d added, 0 changed, 0 destroyed.", n),
				"plan":    "No changes.",
				"destroy": fmt.Sprintf("Resources: %d destroyed.", n),
			}
			for r := range reps {
				order := rotate(overheadKinds, r)
				for _, step := range steps {
					for _, k := range order {
						b.logf("figure 1: %s N=%d run %d/%d %s %s", cli, n, r+1, reps, step, k)
						s, out, err := b.runCLI(ctx, cli, dirs[k], env, b.cliArgs(step)...)
						if err != nil {
							return err
						}
						if err := expectOutput(out, want[step], fmt.Sprintf("%s %s of %s", cli, step, k)); err != nil {
							return err
						}
						samples[k][step] = append(samples[k][step], s)
					}
				}
			}
			for _, step := range steps {
				ow, oc := split(samples["ours"][step])
				nw, nc := split(samples["null"][step])
				fw, fc := split(samples["floor"][step])
				om, nm, fm := median(ow), median(nw), median(fw)
				ratio := ratioOf(om.Seconds(), fm.Seconds())
				r := row{Fig: "1", What: step + " (wall time)", N: fmt.Sprint(n), CLI: cli, Ours: secs(om), Floor: secs(fm), Ratio: fmt.Sprintf("%.2f", ratio), Target: "—"}
				if step != "destroy" {
					r.Target = "≤ 1.3"
					r.Result = judge(ratio, 1.3, true)
				}
				b.rows = append(b.rows, r)
				share := fmt.Sprintf("%+.2f / %+.2f", (nm - fm).Seconds(), (om - nm).Seconds())
				fmt.Fprintf(&detail, "| %s | %d | %s | %s | %s | %s | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f | %.2f | %s |\n", cli, n, step,
					secsList(ow), secsList(nw), secsList(fw), om.Seconds(), nm.Seconds(), fm.Seconds(),
					median(oc).Seconds(), median(nc).Seconds(), median(fc).Seconds(), ratioOf(median(oc).Seconds(), median(fc).Seconds()), share)
			}
		}
	}
	detail.WriteString("\n")
	return nil
}

// rotate returns kinds starting at index r (mod len), a new slice.
func rotate(kinds []string, r int) []string {
	out := make([]string, 0, len(kinds))
	for i := range kinds {
		out = append(out, kinds[(r+i)%len(kinds)])
	}
	return out
}

func split(ss []sample) (wall, cpu []time.Duration) {
	for _, s := range ss {
		wall = append(wall, s.wall)
		cpu = append(cpu, s.cpu)
	}
	return wall, cpu
}
