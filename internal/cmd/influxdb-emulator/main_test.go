package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an io.Writer the test can read while run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listeningLine = regexp.MustCompile(`^listening on http://(127\.0\.0\.1:[1-9][0-9]*)\n$`)

// started is a run in progress.
type started struct {
	base   string
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// start runs the command with args and waits for its first stdout line.
func start(t *testing.T, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	st := &started{stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		err := run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), outW, st.stderr)
		outW.CloseWithError(io.EOF)
		st.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-st.done:
		case <-time.After(10 * time.Second):
			t.Error("run did not return after cancellation")
		}
	})

	lineC := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(outR).ReadString('\n')
		lineC <- line
		_, _ = io.Copy(io.Discard, outR)
	}()
	select {
	case line := <-lineC:
		m := listeningLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("first stdout line %q, want %q; stderr: %s", line, "listening on http://127.0.0.1:PORT", st.stderr)
		}
		st.base = "http://" + m[1]
	case <-time.After(10 * time.Second):
		t.Fatal("no listening line within 10s")
	}
	return st
}

// stop cancels the run and returns its result.
func (st *started) stop(t *testing.T) error {
	t.Helper()
	st.cancel()
	select {
	case err := <-st.done:
		st.done <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10s of cancellation")
		return nil
	}
}

func (st *started) do(t *testing.T, method, path, token, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, st.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

const createBody = `{"name":"n","description":"d","script":"from(bucket: params.b)","language":"flux"}`

func TestRunServesLogsAndStopsCleanly(t *testing.T) {
	const token = "cmd-secret-token"
	st := start(t, "-token", token, "-org", "acme", "-org-id", "00000000000000ac")

	if resp, body := st.do(t, "GET", "/health", "", ""); resp.StatusCode != 200 || !strings.Contains(body, `"status":"pass"`) {
		t.Errorf("/health: %d %s", resp.StatusCode, body)
	}
	if resp, body := st.do(t, "POST", "/api/v2/scripts?token="+token, token, createBody); resp.StatusCode != 201 || !strings.Contains(body, `"orgID":"00000000000000ac"`) {
		t.Errorf("create: %d %s", resp.StatusCode, body)
	}
	if resp, body := st.do(t, "GET", "/api/v2/orgs", token, ""); resp.StatusCode != 200 || !strings.Contains(body, `"name":"acme"`) {
		t.Errorf("orgs: %d %s", resp.StatusCode, body)
	}
	if resp, _ := st.do(t, "GET", "/api/v2/scripts", "wrong", ""); resp.StatusCode != 401 {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	if resp, _ := st.do(t, "GET", "/api/v2/functions", token, ""); resp.StatusCode != 404 {
		t.Errorf("functions are not served by default: %d", resp.StatusCode)
	}

	if err := st.stop(t); err != nil {
		t.Errorf("run returned %v after cancellation, want nil", err)
	}
	logs := st.stderr.String()
	for _, want := range []string{"GET /health 200 ", "POST /api/v2/scripts 201 ", "GET /api/v2/orgs 200 ", "GET /api/v2/scripts 401 "} {
		if !strings.Contains(logs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, token) {
		t.Errorf("stderr leaks the token:\n%s", logs)
	}
	// After shutdown nothing listens any more.
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(st.base, "http://"), time.Second); err == nil {
		t.Error("the port still accepts connections after shutdown")
	}
}

func TestRunConfigAPIsDataAndFaults(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "orgs.json")
	if err := os.WriteFile(cfg, []byte(`{"orgs":[{"id":"00000000000000aa","name":"a","tokens":["ta"]},{"id":"00000000000000bb","name":"b","tokens":["tb1","tb2"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data.json")
	st := start(t, "-config", cfg, "-apis", "both", "-data", data, "-every-503", "3", "-retry-after", "0s", "-admin-token", "adm", "-quiet")

	if resp, body := st.do(t, "POST", "/api/v2/scripts", "tb2", createBody); resp.StatusCode != 201 || !strings.Contains(body, `"orgID":"00000000000000bb"`) {
		t.Fatalf("create with a -config token: %d %s", resp.StatusCode, body)
	}
	if raw, err := os.ReadFile(data); err != nil || !strings.Contains(string(raw), `"name": "n"`) {
		t.Errorf("data file after the 201: %v %s", err, raw)
	}
	if resp, _ := st.do(t, "GET", "/api/v2/functions", "ta", ""); resp.StatusCode != 200 {
		t.Errorf("-apis both serves functions: %d", resp.StatusCode)
	}
	// -retry-after 0s: the injected 503 carries no Retry-After at all.
	resp, body := st.do(t, "GET", "/api/v2/scripts", "tb1", "")
	if resp.StatusCode != 503 || resp.Header.Values("Retry-After") != nil || !strings.Contains(body, `"code":"unavailable"`) {
		t.Errorf("third request: %d %q %s", resp.StatusCode, resp.Header.Values("Retry-After"), body)
	}
	if resp, body := st.do(t, "GET", "/_emulator/stats", "adm", ""); resp.StatusCode != 200 || !strings.Contains(body, `"GET /api/v2/scripts":1`) {
		t.Errorf("admin stats: %d %s", resp.StatusCode, body)
	}
	if err := st.stop(t); err != nil {
		t.Errorf("run: %v", err)
	}
	if logs := st.stderr.String(); logs != "" {
		t.Errorf("-quiet still logged:\n%s", logs)
	}
}

// TestRunRetryAfter: -retry-after sets the header of injected answers; 0s
// leaves it off 503s (so a client cannot tell whether the request was acted
// on) and sends the 1-second minimum on 429s. (The admin endpoint's
// retryAfterSeconds is tested in internal/emulator.)
func TestRunRetryAfter(t *testing.T) {
	type want struct {
		status     int
		retryAfter []string // nil: no header
	}
	check := func(t *testing.T, st *started, wants []want) {
		t.Helper()
		for i, w := range wants {
			resp, body := st.do(t, "GET", "/api/v2/scripts", "emulator-token", "")
			if resp.StatusCode != w.status || !slices.Equal(resp.Header.Values("Retry-After"), w.retryAfter) {
				t.Errorf("request %d: %d Retry-After %q (%s), want %d %q", i+1, resp.StatusCode, resp.Header.Values("Retry-After"), body, w.status, w.retryAfter)
			}
		}
	}
	faulted := []string{"-every-503", "2", "-every-429", "3", "-quiet", "-admin-token", "adm"}
	t.Run("0s", func(t *testing.T) {
		st := start(t, append(faulted, "-retry-after", "0s")...)
		check(t, st, []want{{200, nil}, {503, nil}, {429, []string{"1"}}, {503, nil}, {200, nil}, {503, nil}})
		if resp, body := st.do(t, "GET", "/_emulator/faults", "adm", ""); resp.StatusCode != 200 || !strings.Contains(body, `"retryAfterSeconds":0`) {
			t.Errorf("admin faults: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("default 1s", func(t *testing.T) {
		st := start(t, faulted...)
		check(t, st, []want{{200, nil}, {503, []string{"1"}}, {429, []string{"1"}}, {503, []string{"1"}}})
	})
	t.Run("rounded up", func(t *testing.T) {
		st := start(t, append(faulted, "-retry-after", "1500ms")...)
		check(t, st, []want{{200, nil}, {503, []string{"2"}}, {429, []string{"2"}}})
	})
}

// TestRunOrgIDs: organization IDs of either case are accepted from -org-id
// and -config alike.
func TestRunOrgIDs(t *testing.T) {
	st := start(t, "-org-id", "00000000000000AC", "-quiet")
	if resp, body := st.do(t, "POST", "/api/v2/scripts", "emulator-token", createBody); resp.StatusCode != 201 || !strings.Contains(body, `"orgID":"00000000000000AC"`) {
		t.Errorf("create with an upper-case -org-id: %d %s", resp.StatusCode, body)
	}
	cfg := filepath.Join(t.TempDir(), "orgs.json")
	if err := os.WriteFile(cfg, []byte(`{"orgs":[{"id":"0a1B2c3D4e5F6a7b","name":"mixed","tokens":["tm"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	st = start(t, "-config", cfg, "-quiet")
	if resp, body := st.do(t, "POST", "/api/v2/scripts", "tm", createBody); resp.StatusCode != 201 || !strings.Contains(body, `"orgID":"0a1B2c3D4e5F6a7b"`) {
		t.Errorf("create with a mixed-case -config id: %d %s", resp.StatusCode, body)
	}
}

func TestRunDropAfterCreateAndLatency(t *testing.T) {
	st := start(t, "-drop-after-create", "1", "-latency", "30ms", "-quiet")
	req, _ := http.NewRequest("POST", st.base+"/api/v2/scripts", strings.NewReader(createBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Token emulator-token")
	began := time.Now()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped create answered %d", resp.StatusCode)
	}
	if time.Since(began) < 30*time.Millisecond {
		t.Errorf("-latency not applied")
	}
	if resp, body := st.do(t, "GET", "/api/v2/scripts", "emulator-token", ""); resp.StatusCode != 200 || strings.Count(body, `"id"`) != 1 {
		t.Errorf("after the drop: %d %s", resp.StatusCode, body)
	}
	if err := st.stop(t); err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestRunRejectsBadInvocations(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cases := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"unknown flag", []string{"-nope"}, true, "flag provided but not defined"},
		{"bad duration", []string{"-latency", "soon"}, true, "invalid value"},
		{"positional argument", []string{"extra"}, true, "unexpected arguments"},
		{"config with -token", []string{"-config", write("c1.json", `{"orgs":[]}`), "-token", "x"}, true, "-config replaces -token"},
		{"bad apis", []string{"-apis", "v3"}, false, "APIs"},
		{"missing config", []string{"-config", filepath.Join(dir, "absent.json")}, false, "reading -config"},
		{"config with typo", []string{"-config", write("c2.json", `{"org":[]}`)}, false, "unknown field"},
		{"config without orgs", []string{"-config", write("c3.json", `{"orgs":[]}`)}, false, "lists no orgs"},
		{"negative fault", []string{"-every-503", "-1"}, false, "negative"},
		{"short -org-id", []string{"-org-id", "0123456789abcde"}, true, `-org-id "0123456789abcde" is not an organization ID: it must be exactly 16 hexadecimal characters`},
		{"long -org-id", []string{"-org-id", "0123456789abcdef0"}, true, `-org-id "0123456789abcdef0" is not an organization ID`},
		{"non-hex -org-id", []string{"-org-id", "0123456789abcdeg"}, true, `-org-id "0123456789abcdeg" is not an organization ID`},
		{"empty -org-id", []string{"-org-id", ""}, true, `-org-id "" is not an organization ID`},
		{"-org-id with a space", []string{"-org-id", " 123456789abcdef"}, true, `-org-id " 123456789abcdef" is not an organization ID`},
		{"-org-id of non-ASCII digits", []string{"-org-id", "０１２３４５６"}, true, `is not an organization ID`},
		{"config with a bad id", []string{"-config", write("c4.json", `{"orgs":[{"id":"00000000000000aa","name":"a","tokens":["ta"]},{"id":"org-b","name":"b","tokens":["tb"]}]}`)}, false,
			`orgs[1] (name "b"): id "org-b" is not an organization ID: it must be exactly 16 hexadecimal characters`},
		{"config without an id", []string{"-config", write("c5.json", `{"orgs":[{"name":"a","tokens":["ta"]}]}`)}, false, `orgs[0] (name "a"): id "" is not an organization ID`},
		{"port in use", []string{"-addr", busy.Addr().String()}, false, "address already in use"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one containing %q", err, tc.want)
			}
			var u usageError
			if errors.As(err, &u) != tc.usage {
				t.Errorf("usage error: %v, want %v", errors.As(err, &u), tc.usage)
			}
			if stdout.Len() != 0 {
				t.Errorf("printed %q on stdout before failing", stdout.String())
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "-drop-after-create") {
		t.Errorf("-h: %v, usage %q", err, stderr.String())
	}
}
