package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
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
	http *http.Client
	log  string
}

// startEmulator starts the emulator on a free loopback port, memory only,
// without request logging, and waits for its "listening on" line.
func (b *bench) startEmulator(ctx context.Context, name string) (*emulator, error) {
	logPath := b.runDir + "/emulator-" + name + ".log"
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(b.emulatorBin, "-addr", "127.0.0.1:0", "-quiet") //nolint:gosec // our own build
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		_ = logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	e := &emulator{cmd: cmd, done: make(chan struct{}), log: logPath,
		http: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	b.emulators = append(b.emulators, e)
	go func() {
		_ = cmd.Wait()
		_ = logf.Close()
		close(e.done)
	}()

	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-line:
		u, found := strings.CutPrefix(l, "listening on ")
		if !ok || !found {
			return nil, fmt.Errorf("the emulator did not say where it listens (first line %q); see %s", l, logPath)
		}
		e.url = strings.TrimSpace(u)
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("the emulator did not start within 30s; see %s", logPath)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return e, nil
}

// stop ends the emulator: SIGTERM, then SIGKILL after five seconds.
func (e *emulator) stop() {
	if e.cmd.Process == nil {
		return
	}
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

func (e *emulator) do(ctx context.Context, method, path string, body any, out any) error {
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
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// resetStats zeroes the emulator's request counts.
func (e *emulator) resetStats(ctx context.Context) error {
	return e.do(ctx, http.MethodDelete, "/_emulator/stats", nil, nil)
}

// stats returns the request counts since the last reset, keyed "METHOD ROUTE".
func (e *emulator) stats(ctx context.Context) (map[string]int, error) {
	var out struct {
		Requests map[string]int `json:"requests"`
	}
	if err := e.do(ctx, http.MethodGet, "/_emulator/stats", nil, &out); err != nil {
		return nil, err
	}
	if out.Requests == nil {
		out.Requests = map[string]int{}
	}
	return out.Requests, nil
}

// seededScript is what the emulator answered to a create.
type seededScript struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

// seed creates scripts through the API with a few concurrent workers and
// returns them in the order of names.
func (e *emulator) seed(ctx context.Context, names []string, description, script string) ([]seededScript, error) {
	out := make([]seededScript, len(names))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				var s seededScript
				err := e.do(ctx, http.MethodPost, "/api/v2/scripts", map[string]string{
					"name": names[i], "description": description, "script": script, "language": "flux",
				}, &s)
				if err == nil && (s.ID == "" || s.Name != names[i]) {
					err = fmt.Errorf("create %q: unexpected answer %+v", names[i], s)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				out[i] = s
			}
		}()
	}
	for i := range names {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("seeding scripts: %w", firstErr)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return out, nil
}
