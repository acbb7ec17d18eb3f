package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// bench is one run of the suite.
type bench struct {
	opt     options
	started time.Time
	work    string // bench/work
	runDir  string // bench/work/run-*: removed on exit
	bin     string // bench/work/bin: build output, kept between runs

	providerDir string // holds terraform-provider-influxdb
	emptyDir    string // holds terraform-provider-benchempty
	nullDir     string // holds terraform-provider-benchnull
	emulatorBin string
	testBin     string // go test -c of internal/provider
	rcMain      string // CLI configuration with dev_overrides for both providers

	cliPath map[string]string // name → absolute path
	cliVer  map[string]string

	emulators []*emulator // every emulator started, for cleanup

	rows     []row
	details  []string // Markdown sections after the table
	failures []string // measurements that could not be taken
	machine  []string
}

// row is one line of the results table.
type row struct {
	Fig    string
	What   string
	N      string
	CLI    string
	Ours   string
	Floor  string
	Ratio  string
	Target string
	Result string // ok, MISS, MISMATCH, ERROR, or "" for figures without a target
}

func newBench(opt options) (*bench, error) {
	work := filepath.Join(opt.root, "bench", "work")
	if err := os.MkdirAll(work, 0o750); err != nil {
		return nil, err
	}
	runDir, err := os.MkdirTemp(work, "run-")
	if err != nil {
		return nil, err
	}
	b := &bench{
		opt:     opt,
		started: time.Now(),
		work:    work,
		runDir:  runDir,
		bin:     filepath.Join(work, "bin"),
		cliPath: map[string]string{},
		cliVer:  map[string]string{},
	}
	return b, nil
}

// close stops every emulator and removes the scratch directory.
func (b *bench) close() {
	for _, e := range b.emulators {
		e.stop()
	}
	if b.opt.keep {
		fmt.Fprintf(os.Stderr, "tfbench: scratch files kept in %s\n", b.runDir)
		return
	}
	if err := os.RemoveAll(b.runDir); err != nil {
		fmt.Fprintf(os.Stderr, "tfbench: could not remove %s: %v\n", b.runDir, err)
	}
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", elapsed(time.Since(b.started)), fmt.Sprintf(format, args...))
}

// fail records a measurement that could not be taken; the run goes on with
// the next figure and exits 1 at the end.
func (b *bench) fail(fig string, err error) {
	msg := fmt.Sprintf("figure %s: %v", fig, err)
	b.failures = append(b.failures, msg)
	b.logf("ERROR: %s", msg)
	b.rows = append(b.rows, row{Fig: figureNumbers[fig], What: "measurement failed: " + firstLine(err.Error()), Result: "ERROR"})
}

var figureNumbers = map[string]string{"overhead": "1", "discipline": "2", "csv": "3", "startup": "4", "scale": "5"}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

func (b *bench) run(ctx context.Context) error {
	if err := b.setup(ctx); err != nil {
		return err
	}
	figs := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"csv", b.figureCSV},
		{"startup", b.figureStartup},
		{"discipline", b.figureDiscipline},
		{"overhead", b.figureOverhead},
		{"scale", b.figureScale},
	}
	for _, f := range figs {
		if !b.opt.only[f.name] {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		b.logf("figure %s: start", f.name)
		if err := f.fn(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			b.fail(f.name, err)
		}
	}
	b.machine = append(b.machine, "Load average at the end: "+loadAvg())
	report := b.report()
	fmt.Println(report.table)
	out := filepath.Join(b.opt.root, b.opt.out)
	if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(out, []byte(report.full), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	b.logf("wrote %s", out)
	if b.opt.updateDoc != "" {
		if err := updateDoc(filepath.Join(b.opt.root, b.opt.updateDoc), report.doc); err != nil {
			return err
		}
		b.logf("updated the generated section of %s", b.opt.updateDoc)
	}
	if len(b.failures) > 0 {
		return fmt.Errorf("%d measurement(s) could not be taken:\n  %s", len(b.failures), strings.Join(b.failures, "\n  "))
	}
	return nil
}

// setup builds everything and writes the CLI configuration.
func (b *bench) setup(ctx context.Context) error {
	b.machine = machineInfo()
	emptyRC := filepath.Join(b.runDir, "empty.tfrc")
	if err := os.WriteFile(emptyRC, nil, 0o600); err != nil {
		return err
	}
	for _, name := range b.opt.clis {
		p := filepath.Join(b.opt.root, ".tools", "bin", name)
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s not found at %s: run scripts/install-tools.sh %s first", name, p, name)
		}
		b.cliPath[name] = p
		cmd := exec.CommandContext(ctx, p, "version") //nolint:gosec // our own tool binary
		cmd.Env = b.cliEnv(emptyRC)
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("%s version: %w", p, err)
		}
		b.cliVer[name] = firstLine(strings.TrimSpace(string(out)))
		b.machine = append(b.machine, fmt.Sprintf("%s: %s", name, b.cliVer[name]))
	}

	b.providerDir = filepath.Join(b.bin, "provider")
	b.emptyDir = filepath.Join(b.bin, "empty")
	b.nullDir = filepath.Join(b.bin, "null")
	b.emulatorBin = filepath.Join(b.bin, "influxdb-emulator")
	b.testBin = filepath.Join(b.bin, "provider.test")
	// The provider and the yardstick are built like `make build` builds
	// releases, so that the start-up comparison is like for like.
	builds := [][]string{
		{"build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(b.providerDir, "terraform-provider-influxdb"), "."},
		{"build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(b.emptyDir, "terraform-provider-benchempty"), "./bench/emptyprovider"},
		{"build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(b.nullDir, "terraform-provider-benchnull"), "./bench/nullprovider"},
		{"build", "-o", b.emulatorBin, "./internal/cmd/influxdb-emulator"},
	}
	if b.opt.only["csv"] {
		builds = append(builds, []string{"test", "-c", "-o", b.testBin, "./internal/provider"})
	}
	for _, args := range builds {
		b.logf("go %s", strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = b.opt.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	}

	b.rcMain = filepath.Join(b.runDir, "main.tfrc")
	rc := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/tf-influxdb/influxdb"   = %q
    "registry.terraform.io/tf-influxdb/benchempty" = %q
    "registry.terraform.io/tf-influxdb/benchnull"  = %q
  }
  direct {}
}
`, b.providerDir, b.emptyDir, b.nullDir)
	return os.WriteFile(b.rcMain, []byte(rc), 0o600)
}

// updateDoc replaces what lies between the generated-section markers.
func updateDoc(path, section string) error {
	const begin, end = "<!-- tfbench:begin -->", "<!-- tfbench:end -->"
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("-update-doc: %w", err)
	}
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return errors.New("-update-doc: " + path + " has no " + begin + " … " + end + " section")
	}
	s = s[:i+len(begin)] + "\n" + section + "\n" + s[j:]
	return os.WriteFile(path, []byte(s), 0o600) //nolint:gosec // a path the user gave on the command line
}
