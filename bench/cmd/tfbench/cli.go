package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// sample is one timed command.
type sample struct {
	wall time.Duration
	cpu  time.Duration // user + system of the CLI and the plugins it waited for
}

// cliEnv is the environment of every CLI run: the caller's, without any
// TF_* or INFLUXDB_* setting that could change what is measured, plus
// the CLI configuration and the emulator's address.
func (b *bench) cliEnv(rc string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "INFLUXDB_") || strings.HasPrefix(kv, "INFLUX_") || strings.HasPrefix(kv, "CHECKPOINT_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	return append(env, extra...)
}

// common flags: local state, no prompts, no colour, no lock, fixed parallelism.
func (b *bench) cliArgs(sub string) []string {
	p := fmt.Sprintf("-parallelism=%d", b.opt.parallelism)
	switch sub {
	case "apply", "destroy":
		return []string{sub, "-auto-approve", "-input=false", "-no-color", "-lock=false", p}
	case "plan":
		return []string{sub, "-input=false", "-no-color", "-lock=false", p}
	}
	return []string{sub}
}

// runCLI runs one CLI command in dir and times it. The output is appended
// to dir/cli.log; on failure the error carries its end.
func (b *bench) runCLI(ctx context.Context, cli, dir string, env []string, args ...string) (sample, string, error) {
	path, ok := b.cliPath[cli]
	if !ok {
		return sample{}, "", fmt.Errorf("CLI %q is not configured (-clis)", cli)
	}
	cmd := exec.CommandContext(ctx, path, args...) //nolint:gosec // our own tool binary and fixed arguments
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 10 * time.Second
	ownProcessGroup(cmd)
	start := time.Now()
	err := cmd.Run()
	s := sample{wall: time.Since(start)}
	if cmd.ProcessState != nil {
		s.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if f, ferr := os.OpenFile(filepath.Join(dir, "cli.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); ferr == nil {
		fmt.Fprintf(f, "\n$ %s %s  (%.2fs)\n%s", cli, strings.Join(args, " "), s.wall.Seconds(), out.String())
		_ = f.Close()
	}
	if err != nil {
		if ctx.Err() != nil {
			return s, out.String(), ctx.Err()
		}
		return s, out.String(), fmt.Errorf("%s %s in %s failed: %w\n%s", cli, strings.Join(args, " "), dir, err, tail(out.String(), 25))
	}
	return s, out.String(), nil
}

// expectOutput checks that a command's output says what it must (so that a
// fast failure is never taken for a fast run).
func expectOutput(out, want, what string) error {
	if !strings.Contains(out, want) {
		return fmt.Errorf("%s: the output does not contain %q:\n%s", what, want, tail(out, 25))
	}
	return nil
}

func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return "    " + strings.Join(ls, "\n    ")
}

// writeFile writes a file and its directory.
func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o600)
}

// median of samples; the mean of the two middle ones for an even count.
func median[T time.Duration | float64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func secsList(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.2f", d.Seconds())
	}
	return strings.Join(parts, ", ")
}

func ratioOf(ours, floor float64) float64 {
	if floor == 0 {
		return 0
	}
	return ours / floor
}

// judge returns "ok" or "MISS" for a ratio against an upper (atMost) or
// lower bound.
func judge(ratio, bound float64, atMost bool) string {
	if (atMost && ratio <= bound) || (!atMost && ratio >= bound) {
		return "ok"
	}
	return "MISS"
}
