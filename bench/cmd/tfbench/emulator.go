package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	influxemu "github.com/tf-influxdb/terraform-provider-influxdb/internal/emulator"
)

// emulator is a running influxdb-emulator process.
type emulator struct {
	url  string
	cmd  *exec.Cmd
	done chan struct{}
}

// startEmulator starts the emulator on a free loopback port, in memory,
// without request logs, delaying every API request by latency.
func (b *bench) startEmulator(ctx context.Context, latency time.Duration) (*emulator, error) {
	logf, err := os.CreateTemp(b.runDir, "emulator-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(b.bin, "influxdb-emulator"), "-addr", "127.0.0.1:0", "-quiet", "-latency", latency.String()) //nolint:gosec // our own build
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	e := &emulator{cmd: cmd, done: make(chan struct{})}
	b.emulators = append(b.emulators, e)
	go func() {
		_ = cmd.Wait()
		_ = logf.Close()
		close(e.done)
	}()
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Scan()
		first <- sc.Text()
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-first:
		u, ok := strings.CutPrefix(line, "listening on ")
		if !ok {
			return nil, fmt.Errorf("the emulator did not say where it listens (%q); see %s", line, logf.Name())
		}
		e.url = u
		return e, nil
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("the emulator did not start within 30 s; see %s", logf.Name())
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// stop ends the emulator: SIGTERM, then SIGKILL after five seconds.
func (e *emulator) stop() {
	select {
	case <-e.done:
		return
	default:
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.done
	}
}

// env is the CLI environment that points the provider at this emulator.
func (e *emulator) env(rc string, extra ...string) []string {
	return cleanEnv(append([]string{"TF_CLI_CONFIG_FILE=" + rc, "INFLUXDB_URL=" + e.url, "INFLUXDB_TOKEN=" + influxemu.DefaultToken}, extra...)...)
}

func (e *emulator) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Token "+influxemu.DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return fmt.Errorf("%s %s: %w", method, path, err)
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	case out != nil:
		return json.Unmarshal(data, out)
	}
	return nil
}

// resetStats zeroes the emulator's request counts.
func (e *emulator) resetStats(ctx context.Context) error {
	return e.do(ctx, http.MethodDelete, "/_emulator/stats", nil, nil)
}

// stats returns the requests since the last reset, keyed "METHOD ROUTE".
func (e *emulator) stats(ctx context.Context) (map[string]int, error) {
	var out struct {
		Requests map[string]int `json:"requests"`
	}
	err := e.do(ctx, http.MethodGet, "/_emulator/stats", nil, &out)
	if out.Requests == nil {
		out.Requests = map[string]int{}
	}
	return out.Requests, err
}

// seed creates n scripts named seed-00000 … through the API, 8 at a time.
func (e *emulator) seed(ctx context.Context, n int) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, 8)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			body := map[string]string{"name": fmt.Sprintf("seed-%05d", i), "description": "seeded", "script": `from(bucket: "b") |> range(start: -1m)`, "language": "flux"}
			if err := e.do(ctx, http.MethodPost, "/api/v2/scripts", body, nil); err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		return fmt.Errorf("seeding scripts: %w", first)
	}
	return nil
}
