package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// cleanEnv is the caller's environment without any setting that could
// change what is measured (TF_*, INFLUXDB_*, INFLUX_*, CHECKPOINT_*), plus
// extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !slices.ContainsFunc([]string{"TF_", "INFLUXDB_", "INFLUX_", "CHECKPOINT_"}, func(p string) bool { return strings.HasPrefix(kv, p) }) {
			env = append(env, kv)
		}
	}
	return append(append(env, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"), extra...)
}

// cliArgs: local state, no prompts, no colour, no lock, fixed parallelism.
func (b *bench) cliArgs(step string) []string {
	args := []string{step, "-input=false", "-no-color", "-lock=false", fmt.Sprintf("-parallelism=%d", b.opt.parallelism)}
	if step != "plan" {
		args = append(args, "-auto-approve")
	}
	return args
}

// wantOutput is what a successful step of n resources prints.
func wantOutput(step string, n int) string {
	switch step {
	case "apply":
		return fmt.Sprintf("Resources: %d added, 0 changed, 0 destroyed.", n)
	case "destroy":
		return fmt.Sprintf("Resources: %d destroyed.", n)
	}
	return "No changes."
}

// runCLI runs one CLI command in dir, times it, and checks that its output
// contains want.
func (b *bench) runCLI(ctx context.Context, cli, dir string, env []string, want string, args ...string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, b.cliPath[cli], args...) //nolint:gosec // our own tool binary, fixed arguments
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 10 * time.Second
	ownProcessGroup(cmd)
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	switch {
	case ctx.Err() != nil:
		return d, ctx.Err()
	case err != nil:
		return d, fmt.Errorf("%s %s in %s: %w\n%s", cli, strings.Join(args, " "), dir, err, tail(out.String(), 20))
	case !strings.Contains(out.String(), want):
		return d, fmt.Errorf("%s %s in %s: the output does not contain %q:\n%s", cli, strings.Join(args, " "), dir, want, tail(out.String(), 20))
	}
	return d, nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "    " + strings.Join(lines[max(0, len(lines)-n):], "\n    ")
}
