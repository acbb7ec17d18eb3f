package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	influxemu "github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

// Emulator stats keys.
const (
	routeList   = "GET /api/v2/scripts"
	routeCreate = "POST /api/v2/scripts"
	routeGet    = "GET /api/v2/scripts/{id}"
	routePatch  = "PATCH /api/v2/scripts/{id}"
	routeDelete = "DELETE /api/v2/scripts/{id}"
	routeParams = "GET /api/v2/scripts/{id}/params"
)

const (
	disciplineN   = 10
	listScripts   = 10000
	findName      = "seed-04321"
	disciplineCfg = "main.tf"
)

// figureDiscipline is figure 2: exact request counts per operation, read
// from the emulator's stats, reset before every measured command.
func (b *bench) figureDiscipline(ctx context.Context) error {
	cli := b.opt.clis[0]
	e, err := b.startEmulator(ctx, "discipline")
	if err != nil {
		return err
	}
	defer e.stop()

	// A shim in front of the provider counts the provider processes the
	// CLI starts, for the auto-detection rows.
	launches := filepath.Join(b.runDir, "provider-launches")
	shimDir := filepath.Join(b.runDir, "shim")
	shim := fmt.Sprintf("#!/bin/sh\necho start >> %q\nexec %q \"$@\"\n", launches, filepath.Join(b.providerDir, "terraform-provider-influxdb"))
	if err := writeFile(filepath.Join(shimDir, "terraform-provider-influxdb"), shim); err != nil {
		return err
	}
	if err := os.Chmod(filepath.Join(shimDir, "terraform-provider-influxdb"), 0o700); err != nil { //nolint:gosec // the shim must be executable
		return err
	}
	rc := filepath.Join(b.runDir, "shim.tfrc")
	if err := writeFile(rc, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/tf-influxdb/influxdb\" = %q\n  }\n  direct {}\n}\n", shimDir)); err != nil {
		return err
	}
	connection := []string{"INFLUXDB_URL=" + e.url, "INFLUXDB_TOKEN=" + influxemu.DefaultToken}
	explicit := b.cliEnv(rc, append(connection, "INFLUXDB_SCRIPTS_API=scripts")...)
	auto := b.cliEnv(rc, connection...)

	var detail strings.Builder
	detail.WriteString("### Figure 2: requests per route\n\n")
	fmt.Fprintf(&detail, "%s, %d scripts unless said otherwise; stats reset before each command. Rows 2a–2g run with `scripts_api = \"scripts\"` so that they count only the operation's own requests; the auto-detection rows run with it unset.\n\n", cli, disciplineN)
	detail.WriteString("| row | command | route | expected | measured |\n|---|---|---|---|---|\n")
	defer func() { b.details = append(b.details, detail.String()+"\n") }()

	// measure runs one command and compares every route's count.
	measure := func(id, what, dir string, env []string, args []string, wantOut string, expected map[string]int) (map[string]int, int, error) {
		if err := e.resetStats(ctx); err != nil {
			return nil, 0, err
		}
		if err := os.WriteFile(launches, nil, 0o600); err != nil {
			return nil, 0, err
		}
		b.logf("figure 2: %s", what)
		s, out, err := b.runCLI(ctx, cli, dir, env, args...)
		if err != nil {
			return nil, 0, err
		}
		if err := expectOutput(out, wantOut, what); err != nil {
			return nil, 0, err
		}
		got, err := e.stats(ctx)
		if err != nil {
			return nil, 0, err
		}
		data, err := os.ReadFile(launches)
		if err != nil {
			return nil, 0, err
		}
		procs := strings.Count(string(data), "start")
		routes := map[string]bool{}
		for r := range got {
			routes[r] = true
		}
		for r := range expected {
			routes[r] = true
		}
		keys := make([]string, 0, len(routes))
		for r := range routes {
			keys = append(keys, r)
		}
		sort.Strings(keys)
		for _, r := range keys {
			if expected == nil { // detection rows judge only the list route
				break
			}
			mark := ""
			if got[r] != expected[r] {
				mark = " **MISMATCH**"
			}
			fmt.Fprintf(&detail, "| %s | `%s` (%.1f s, %d provider processes) | `%s` | %d | %d%s |\n", id, strings.Join(args, " "), s.wall.Seconds(), procs, r, expected[r], got[r], mark)
		}
		return got, procs, nil
	}
	// exact adds a row comparing totals, and MISMATCH when any route differs.
	exact := func(id, what string, n int, got, expected map[string]int) {
		total, want, ok := 0, 0, true
		for _, v := range got {
			total += v
		}
		for _, v := range expected {
			want += v
		}
		for r := range got {
			if got[r] != expected[r] {
				ok = false
			}
		}
		for r := range expected {
			if got[r] != expected[r] {
				ok = false
			}
		}
		res := "ok"
		if !ok {
			res = "MISMATCH"
			b.logf("figure 2: MISMATCH in %s: expected %v, measured %v", what, expected, got)
		}
		b.rows = append(b.rows, row{Fig: "2" + id, What: what + " — requests (ours = measured, floor = expected)", N: fmt.Sprint(n), CLI: cli,
			Ours: fmt.Sprint(total), Floor: fmt.Sprint(want), Ratio: fmt.Sprintf("%.2f", ratioOf(float64(total), float64(want))), Target: "exact, per route", Result: res})
	}

	// count adds a row for one measured count against the expected one.
	count := func(id, what string, n, got, want int, target string) {
		res := "ok"
		if got != want {
			res = "MISMATCH"
			b.logf("figure 2: MISMATCH in %s: expected %d, measured %d", what, want, got)
		}
		b.rows = append(b.rows, row{Fig: "2" + id, What: what + " (ours = measured, floor = expected)", N: fmt.Sprint(n), CLI: cli,
			Ours: fmt.Sprint(got), Floor: fmt.Sprint(want), Ratio: fmt.Sprintf("%.2f", ratioOf(float64(got), float64(want))), Target: target, Result: res})
	}

	ops := filepath.Join(b.runDir, "discipline", "ops")
	cfg := func(dir, prefix, description, script string) error {
		return writeFile(filepath.Join(dir, disciplineCfg), scriptsConfig("influxdb", oursSource, prefix, disciplineN, description, script))
	}
	script2 := benchScript + ` |> yield(name: "second")`
	n := disciplineN
	if err := cfg(ops, "disc", benchDescription, benchScript); err != nil {
		return err
	}
	steps := []struct {
		id, what string
		args     []string
		out      string
		edit     func() error
		expected map[string]int
	}{
		{"a", "create (apply)", b.cliArgs("apply"), fmt.Sprintf("%d added", n), nil,
			map[string]int{routeCreate: n, routeParams: n}},
		{"b", "refresh (plan)", b.cliArgs("plan"), "No changes.", nil,
			map[string]int{routeGet: n}},
		{"c", "update description (apply -refresh=false)", append(b.cliArgs("apply"), "-refresh=false"), fmt.Sprintf("%d changed", n),
			func() error { return cfg(ops, "disc", "changed description", benchScript) },
			map[string]int{routePatch: n}},
		{"d", "update script (apply -refresh=false)", append(b.cliArgs("apply"), "-refresh=false"), fmt.Sprintf("%d changed", n),
			func() error { return cfg(ops, "disc", "changed description", script2) },
			map[string]int{routePatch: n, routeParams: n}},
		{"e", "delete (destroy -refresh=false)", append(b.cliArgs("destroy"), "-refresh=false"), fmt.Sprintf("%d destroyed", n), nil,
			map[string]int{routeDelete: n, routeGet: n}},
	}
	for _, st := range steps {
		if st.edit != nil {
			if err := st.edit(); err != nil {
				return err
			}
		}
		got, _, err := measure("2"+st.id, st.what, ops, explicit, st.args, st.out, st.expected)
		if err != nil {
			return err
		}
		exact(st.id, st.what, n, got, st.expected)
	}

	// Auto-detection: at most one list request per provider process.
	autoDir := filepath.Join(b.runDir, "discipline", "auto")
	if err := cfg(autoDir, "auto", benchDescription, benchScript); err != nil {
		return err
	}
	autoSteps := []struct {
		what string
		args []string
		out  string
	}{
		{"create (apply)", b.cliArgs("apply"), fmt.Sprintf("%d added", n)},
		{"refresh (plan)", b.cliArgs("plan"), "No changes."},
		{"delete (destroy)", b.cliArgs("destroy"), fmt.Sprintf("%d destroyed", n)},
	}
	for _, st := range autoSteps {
		got, procs, err := measure("2h", "auto-detection, "+st.what, autoDir, auto, st.args, st.out, nil)
		if err != nil {
			return err
		}
		d := got[routeList]
		res := "ok"
		if d > procs {
			res = "MISMATCH"
			b.logf("figure 2: MISMATCH: auto-detection sent %d list requests from %d provider processes during %s", d, procs, st.what)
		}
		fmt.Fprintf(&detail, "| 2h | `%s`, scripts_api unset (%d provider processes) | `%s` (detection) | ≤ %d | %d |\n", strings.Join(st.args, " "), procs, routeList, procs, d)
		b.rows = append(b.rows, row{Fig: "2h", What: "auto-detection during " + st.what + " — detection requests (floor = provider processes started)", N: fmt.Sprint(n), CLI: cli,
			Ours: fmt.Sprint(d), Floor: fmt.Sprint(procs), Ratio: fmt.Sprintf("%.2f", ratioOf(float64(d), float64(procs))), Target: "≤ 1 per process", Result: res})
	}

	// List and find in an organization of 10,000 scripts.
	names := make([]string, listScripts)
	for i := range names {
		names[i] = fmt.Sprintf("seed-%05d", i)
	}
	b.logf("figure 2: seeding %d scripts", listScripts)
	t0 := time.Now()
	if _, err := e.seed(ctx, names, "seeded", `from(bucket: "b") |> range(start: -1m)`); err != nil {
		return err
	}
	b.logf("figure 2: seeded in %.1f s", time.Since(t0).Seconds())

	listDir := filepath.Join(b.runDir, "discipline", "list")
	if err := writeFile(filepath.Join(listDir, disciplineCfg), requiredProvider("influxdb", oursSource)+`
data "influxdb_invocable_scripts" "all" {}

output "count" {
  value = length(data.influxdb_invocable_scripts.all.scripts)
}
`); err != nil {
		return err
	}
	got, _, err := measure("2f", fmt.Sprintf("list of %d scripts", listScripts), listDir, explicit, b.cliArgs("plan"), fmt.Sprintf("count = %d", listScripts),
		map[string]int{routeList: listScripts / 500})
	if err != nil {
		return err
	}
	exact("f", fmt.Sprintf("list all %d scripts (data source influxdb_invocable_scripts, no limit)", listScripts), listScripts, got, map[string]int{routeList: listScripts / 500})

	findDir := filepath.Join(b.runDir, "discipline", "find")
	if err := writeFile(filepath.Join(findDir, disciplineCfg), requiredProvider("influxdb", oursSource)+fmt.Sprintf(`
data "influxdb_invocable_script" "one" {
  name = %q
}

output "found" {
  value = data.influxdb_invocable_script.one.name
}
`, findName)); err != nil {
		return err
	}
	// The find itself is one list request with the name filter (the target:
	// find by name = 1 request); the data source then reads /params once for
	// its params attribute. The two are judged in separate rows, so that the
	// /params read is not counted against the 1-request target.
	findExpected := map[string]int{routeList: 1, routeParams: 1}
	got, _, err = measure("2g", "find by name", findDir, explicit, b.cliArgs("plan"), fmt.Sprintf("found = %q", findName), findExpected)
	if err != nil {
		return err
	}
	find := 0 // every request but the /params read: the find itself
	for r, v := range got {
		if r != routeParams {
			find += v
		}
	}
	what := fmt.Sprintf("find one script by name among %d (data source influxdb_invocable_script)", listScripts)
	count("g", what+": requests to find it (every route but /params; expected: 1 list request)", listScripts, find, 1, "= 1 (find by name = 1 request)")
	count("g", what+": /params requests (for its params attribute)", listScripts, got[routeParams], 1, "= 1")
	return nil
}
