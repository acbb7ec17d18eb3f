package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// figureStartup is figure 4: `providers schema -json` with our provider
// against the same with an empty framework provider, per CLI.
func (b *bench) figureStartup(ctx context.Context) error {
	env := b.cliEnv(b.rcMain)
	base := filepath.Join(b.runDir, "startup")
	cfgs := map[string]struct{ source, local string }{
		"ours":  {oursSource, "influxdb"},
		"floor": {"registry.terraform.io/tf-influxdb/benchempty", "benchempty"},
	}
	for k, c := range cfgs {
		if err := writeFile(filepath.Join(base, k, "main.tf"), requiredProvider(c.local, c.source)); err != nil {
			return err
		}
	}
	var detail strings.Builder
	detail.WriteString("### Figure 4: `providers schema -json`\n\n| CLI | ours wall (s) | floor wall (s) | ours CPU median | floor CPU median |\n|---|---|---|---|---|\n")
	defer func() { b.details = append(b.details, detail.String()+"\n") }()
	for _, cli := range b.opt.clis {
		walls := map[string][]time.Duration{}
		cpus := map[string][]time.Duration{}
		for r := range b.opt.startupRuns {
			for _, k := range rotate(kinds, r) {
				s, out, err := b.runCLI(ctx, cli, filepath.Join(base, k), env, "providers", "schema", "-json")
				if err != nil {
					return err
				}
				if err := expectOutput(out, fmt.Sprintf("%q:{\"provider\"", cfgs[k].source), cli+" providers schema of "+k); err != nil {
					return err
				}
				walls[k] = append(walls[k], s.wall)
				cpus[k] = append(cpus[k], s.cpu)
			}
		}
		o, f := median(walls["ours"]), median(walls["floor"])
		ratio := ratioOf(o.Seconds(), f.Seconds())
		b.rows = append(b.rows, row{Fig: "4", What: "start-up: providers schema -json (vs empty framework provider)", N: "—", CLI: cli,
			Ours: fmt.Sprintf("%.3f s", o.Seconds()), Floor: fmt.Sprintf("%.3f s", f.Seconds()), Ratio: fmt.Sprintf("%.2f", ratio), Target: "≤ 1.2", Result: judge(ratio, 1.2, true)})
		fmt.Fprintf(&detail, "| %s | %s | %s | %.3f s | %.3f s |\n", cli, secsList(walls["ours"]), secsList(walls["floor"]), median(cpus["ours"]).Seconds(), median(cpus["floor"]).Seconds())
	}
	return nil
}
